import ArgumentParser
import IngestAgent

/// `nexus-ingest gc`: removes superseded data and the spool files of ended jobs.
struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove superseded data, old failed jobs' partial data and stale spool files.",
        discussion: """
            Replaced Golden component sets and superseded XACT component rows go at once; the \
            partial data of a FAILED job goes once it is older than --failed-older-than hours \
            (the job can then no longer be retried). Published Golden revisions and completed \
            estimate versions are kept.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Only count what would be removed.")
    var dryRun = false

    @Option(help: "Hours after which a FAILED job's partial data is removed.")
    var failedOlderThan: Double = 168

    func run() async throws {
        guard failedOlderThan >= 0 else { throw ValidationError("--failed-older-than must not be negative") }
        let configuration = try options.loadConfiguration()
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
