import ArgumentParser
import Importers
import IngestAgent
import IngestCore

#if canImport(Glibc)
import Glibc
#endif

/// `nexus-ingest import FILE --type TYPE`: plans and loads one file in this process.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import one CSV file now, in this process, with the same pipeline as the agent.",
        discussion: """
            Writes FILE.status.json (and FILE.rejects.csv when rows are rejected) like the agent. \
            Before it publishes, the import is compared with what is current (the diff is in the \
            result); a publish that would remove more than --max-removed-ratio of it (default 0.5 \
            for a replace: a Golden PETL replace, components, an estimate), or a file with fewer \
            than --min-rows rows, or --publish manual, leaves the job loaded and waiting for \
            `nexus-ingest publish JOB` or `nexus-ingest discard JOB`. --dry-run loads, compares, \
            reports and removes what it loaded. Exits 0 when the job SUCCEEDED (or the dry run \
            would succeed), 1 when it FAILED, 3 when it waits for approval.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: ArgumentHelp(
        "The import type.",
        discussion: ImporterRegistry.standard.importers.map { "\($0.importType.cliName): \($0.summary)" }.joined(separator: "\n")))
    var type: String

    @Option(help: "Golden PETL: merge (default) or replace.")
    var mode: String?

    @Option(help: "XACT imports: the project code.")
    var project: String?

    @Option(name: .customLong("estimate-version"), help: "XACT components: the target estimate version id.")
    var estimateVersion: Int64?

    @Flag(help: "Return when the job has ended (in-process imports always load before returning).")
    var wait = false

    @Flag(help: "Import even if the same content was imported successfully before.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Load and compare with what is current, report, then remove what was loaded.")
    var dryRun = false

    @Option(help: "auto (default) or manual: wait for `nexus-ingest publish JOB` even when no guard holds the job.")
    var publish: String?

    @Option(name: .customLong("max-removed-ratio"), help: "The share (0-1) of what is current a publish may remove (1: off).")
    var maxRemovedRatio: Double?

    @Option(name: .customLong("min-rows"), help: "The fewest rows the file must load to publish by itself.")
    var minRows: Int?

    @Option(help: "Worker threads (default: the `workers` setting).")
    var workers: Int?

    @Option(help: "'auto' or a number of chunks (default: the `chunks` setting).")
    var chunks: String?

    @Option(help: "The spool directory (default: the `spool_dir` setting).")
    var spool: String?

    func run() async throws {
        let importType = try checkedImportType(type, project: project, label: "--type")
        var given: [ImportOptions.Option: String] = [:]
        if estimateVersion != nil { given[.estimateVersion] = "--estimate-version" }
        if mode != nil { given[.mode] = "--mode" }
        if let misplaced = ImporterRegistry.standard.misplacedOption(in: given, for: importType) { throw ValidationError(misplaced) }
        var importOptions = ImportOptions(project: project, estimateVersion: estimateVersion)
        if let mode {
            guard let parsed = ImportOptions.Mode(rawValue: mode) else {
                throw ValidationError("--mode must be merge or replace, not '\(mode)'")
            }
            importOptions.mode = parsed
        }
        importOptions.publish = try publishPolicy()
        var configuration = try options.loadConfiguration()
        if let workers { configuration.pipeline.workers = max(1, workers) }
        if let spool { configuration.pipeline.spoolDirectory = spool }
        if let chunks {
            if chunks == "auto" {
                configuration.pipeline.chunks = .auto
            } else if let count = Int(chunks), count > 0 {
                configuration.pipeline.chunks = .fixed(count)
            } else {
                throw ValidationError("--chunks must be 'auto' or a positive number")
            }
        }
        let progress = ProgressDisplay(interactive: isatty(1) == 1)
        let job: JobSnapshot
        do {
            job = try ImportRunner(configuration: configuration).run(
                path: file, type: importType, options: importOptions, force: force, createdBy: "cli:\(currentUser())",
                onProgress: progress.show)
        } catch {
            printError("nexus-ingest import: \(error)")
            throw ExitCode.failure
        }
        progress.finish()
        print("job \(job.id) \(job.status.rawValue): \(job.message ?? "")")
        if let diff = job.result?["diff"] { print("diff: \(DiffSummary.text(diff))") }
        if let result = job.result { print("result: \(JobQueries.json(result))") }
        if let error = job.error { print("error: \(JobQueries.json(error))") }
        if job.rejectsCount > 0, let rejects = job.rejectsPath { print("rejects: \(job.rejectsCount) row(s) in \(rejects)") }
        if let waiting = job.waiting {
            print("waiting for approval: \(waiting["reason"]?.stringValue ?? "")")
            print("  publish: \(waiting["publishCommand"]?.stringValue ?? "")")
            print("  discard: \(waiting["discardCommand"]?.stringValue ?? "")")
            throw ExitCode(3)
        }
        if job.status != .succeeded { throw ExitCode.failure }
    }

    /// The publish options, checked.
    private func publishPolicy() throws -> PublishPolicy {
        var policy = PublishPolicy()
        if let publish {
            guard let mode = PublishPolicy.Mode(rawValue: publish), mode != .dryRun else {
                throw ValidationError("--publish must be auto or manual, not '\(publish)' (use --dry-run for a dry run)")
            }
            policy.mode = mode
        }
        if dryRun {
            if publish != nil { throw ValidationError("--dry-run publishes nothing: leave out --publish") }
            policy.mode = .dryRun
        }
        if let maxRemovedRatio {
            guard (0...1).contains(maxRemovedRatio) else { throw ValidationError("--max-removed-ratio must be from 0 to 1 (1 turns it off)") }
            policy.maxRemovedRatio = maxRemovedRatio
        }
        if let minRows {
            guard minRows >= 0 else { throw ValidationError("--min-rows must be 0 or more") }
            policy.minRows = minRows
        }
        return policy
    }
}

/// A progress bar on a terminal, plain lines otherwise. While chunks load, a terminal also
/// sees rows loaded, the rate and the time left.
final class ProgressDisplay: @unchecked Sendable {
    private let interactive: Bool
    private var lastLine = ""
    /// When rows were first seen loading, and how many there were then.
    private var rateStart: (seconds: Double, rows: Int)?

    init(interactive: Bool) { self.interactive = interactive }

    func show(_ job: JobSnapshot) {
        let message = job.message ?? ""
        if interactive {
            let width = 30
            let filled = width * job.progress / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let line = "\r[\(bar)] \(job.progress)%  \(rowsText(job) ?? message)"
            print(line.padding(to: lastLine.count), terminator: "")
            fflush(nil)
            lastLine = line
        } else {
            let rows = job.rows.map { " (\($0.loaded)/\($0.total) rows)" } ?? ""
            let line = "job \(job.id) \(job.status.rawValue) \(job.progress)% \(message)\(rows)"
            if line != lastLine { print(line) }
            lastLine = line
        }
    }

    /// `120,000/300,000 rows  45.2k rows/s  4s left`, while rows load.
    private func rowsText(_ job: JobSnapshot) -> String? {
        guard job.status == .running, let rows = job.rows, rows.total > 0, rows.loaded < rows.total else { return nil }
        var text = "\(grouped(rows.loaded))/\(grouped(rows.total)) rows"
        let now = monotonicSeconds()
        guard let start = rateStart else {
            rateStart = (now, rows.loaded)
            return text
        }
        let elapsed = now - start.seconds
        guard elapsed > 0.5, rows.loaded > start.rows else { return text }
        let rate = Double(rows.loaded - start.rows) / elapsed
        text += "  " + (rate >= 1000 ? "\(Double(Int(rate / 100)) / 10)k" : "\(Int(rate))") + " rows/s"
        text += "  \(Int((Double(rows.total - rows.loaded) / rate).rounded(.up)))s left"
        return text
    }

    func finish() {
        if interactive && !lastLine.isEmpty { print("") }
    }
}

/// 1234567 as `1,234,567`.
private func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
        text.append(digit)
    }
    return text
}

/// Seconds on the monotonic clock.
private func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

extension String {
    func padding(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}

/// The login name of the user running the command.
func currentUser() -> String {
    if let name = getenv("USER") { return String(cString: name) }
    return String(getuid())
}
