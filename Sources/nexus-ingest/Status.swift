import ArgumentParser
import IngestAgent
import IngestCore

/// `nexus-ingest status JOB|FILE`: one job, from the database or from a status file.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a job by id, or the status of an uploaded file (its FILE.status.json).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "A job id, an uploaded file, or a .status.json file.")
    var target: String?

    @Flag(help: "Print the status document as JSON.")
    var json = false

    @Flag(help: "Print the agent's metrics file (Prometheus text format).")
    var metrics = false

    func validate() throws {
        if target == nil && !metrics { throw ValidationError("name a job id or a file, or use --metrics") }
    }

    func run() async throws {
        if metrics {
            let configuration = try options.loadConfiguration()
            do {
                print(try JobQueries.metricsText(configuration: configuration), terminator: "")
            } catch {
                printError("nexus-ingest status: cannot read the metrics: \(error) (is the agent running?)")
                throw ExitCode.failure
            }
            return
        }
        let target = self.target!
        let document: StatusDocument
        if let id = Int64(target) {
            let configuration = try options.loadConfiguration()
            guard let job = try JobQueries(configuration: configuration).job(id) else {
                printError("nexus-ingest status: no job \(id)")
                throw ExitCode.failure
            }
            document = job.statusDocument
        } else {
            let path = target.hasSuffix(".status.json") ? target : target + ".status.json"
            do {
                document = try StatusFileWriter.read(path)
            } catch {
                printError("nexus-ingest status: cannot read \(path): \(error)")
                throw ExitCode.failure
            }
        }
        if json {
            print(JobQueries.json(document))
            return
        }
        print("job \(document.jobId): \(document.status.rawValue) \(document.progress)%  \(document.message ?? "")")
        print("file: \(document.file) (\(document.size) bytes, sha256 \(document.sha256 ?? "-"))")
        print("type: \(document.type)  chunks: \(document.completedChunks ?? 0)/\(document.totalChunks ?? 0)")
        print("created \(document.createdAt)  started \(document.startedAt ?? "-")  finished \(document.finishedAt ?? "-")")
        if document.rejects.count > 0 { print("rejects: \(document.rejects.count) in \(document.rejects.file ?? "-")") }
        if let result = document.result { print("result: \(JobQueries.json(result))") }
        if let error = document.error { print("error: \(JobQueries.json(error))") }
    }
}
