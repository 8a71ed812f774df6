import ArgumentParser
import IngestAgent

/// `nexus-ingest gc`: removes superseded data and the spool files of ended jobs.
struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove superseded data, old failed jobs' partial data and stale spool files.",
        discussion: """
            Replaced Golden component sets and superseded XACT component rows go at once, except \
            the newest --keep-published (the `keep_published` setting, default 3) of each Golden \
            list and estimate version, which `rollback` can go back to; the \
            partial data of a FAILED job goes once it is older than --failed-older-than hours \
            (the job can then no longer be retried). Published Golden revisions and completed \
            estimate versions are kept; once many are attached, the tables of all but the newest \
            XACT component allocations and estimate versions' SOW items and raw rows are merged \
            into shared ones (the same rows), so that readers lock few tables. A gc started \
            while another runs on the same schema waits for it. Under the drop root, the \
            temporary files of status writes that were killed before their rename go once an \
            hour old.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Only count what would be removed.")
    var dryRun = false

    @Option(help: "Hours after which a FAILED job's partial data is removed.")
    var failedOlderThan: Double = 168

    @Option(name: .customLong("keep-published"), help: "Published component sets kept per list or estimate version (default: the `keep_published` setting).")
    var keepPublished: Int?

    func run() async throws {
        guard failedOlderThan >= 0 else { throw ValidationError("--failed-older-than must not be negative") }
        var configuration = try options.loadConfiguration()
        if let keepPublished {
            guard keepPublished >= 1 else { throw ValidationError("--keep-published must be at least 1") }
            configuration.agent.keepPublished = keepPublished
        }
        let report: GarbageCollector.Report
        do {
            report = try GarbageCollector(configuration: configuration).run(dryRun: dryRun, failedOlderThanHours: failedOlderThan)
        } catch {
            printError("nexus-ingest gc: \(error)")
            throw ExitCode.failure
        }
        for entry in report {
            print("\(dryRun ? "would remove" : "removed") \(entry.count) \(entry.what)")
        }
    }
}
