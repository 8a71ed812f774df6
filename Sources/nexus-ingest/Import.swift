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
            Exits 0 when the job SUCCEEDED, 1 when it FAILED.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: "golden-petl, golden-components, xact-raw or xact-components.")
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

    @Option(help: "Worker threads (default: the `workers` setting).")
    var workers: Int?

    @Option(help: "'auto' or a number of chunks (default: the `chunks` setting).")
    var chunks: String?

    @Option(help: "The spool directory (default: the `spool_dir` setting).")
    var spool: String?

    func run() async throws {
        guard let importType = ImportType(cliName: type) else {
            throw ValidationError("unknown --type '\(type)'; use one of: \(ImportType.allCases.map(\.cliName).joined(separator: ", "))")
        }
        switch importType {
        case .xactRaw, .xactComponents:
            guard project?.isEmpty == false else { throw ValidationError("--type \(type) needs --project CODE") }
        case .priceList, .priceListComponents:
            if project != nil { throw ValidationError("--project applies to the xact-raw and xact-components types only") }
        }
        if estimateVersion != nil, importType != .xactComponents {
            throw ValidationError("--estimate-version applies to --type xact-components only")
        }
        if mode != nil, importType != .priceList {
            throw ValidationError("--mode applies to --type golden-petl only")
        }
        var importOptions = ImportOptions(project: project, estimateVersion: estimateVersion)
        if let mode {
            guard let parsed = ImportOptions.Mode(rawValue: mode) else {
                throw ValidationError("--mode must be merge or replace, not '\(mode)'")
            }
            importOptions.mode = parsed
        }
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
        if let result = job.result { print("result: \(JobQueries.json(result))") }
        if let error = job.error { print("error: \(JobQueries.json(error))") }
        if job.rejectsCount > 0, let rejects = job.rejectsPath { print("rejects: \(job.rejectsCount) row(s) in \(rejects)") }
        if job.status != .succeeded { throw ExitCode.failure }
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
