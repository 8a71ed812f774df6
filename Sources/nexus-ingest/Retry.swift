import ArgumentParser
import IngestAgent
import IngestCore

#if canImport(Glibc)
import Glibc
#endif

/// `nexus-ingest retry JOB`: finishes a FAILED job, loading only its unfinished chunks.
struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Finish a FAILED job: load only its unfinished chunks, then publish.",
        discussion: """
            The upload must still be where the job found it, with the same content. A job that \
            failed before its plan was committed (e.g. the spool was full) is planned again as a \
            new job. Exit 0 only when the job ends SUCCEEDED.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The id of the FAILED job.")
    var job: Int64

    @Option(help: "Worker threads (default: the `workers` setting).")
    var workers: Int?

    func run() async throws {
        var configuration = try options.loadConfiguration()
        if let workers { configuration.pipeline.workers = max(1, workers) }
        let progress = ProgressDisplay(interactive: isatty(1) == 1)
        let outcome: RetryRunner.Outcome
        do {
            outcome = try RetryRunner(configuration: configuration).run(
                job: job, createdBy: "cli:\(currentUser())", onProgress: progress.show)
        } catch {
            printError("nexus-ingest retry: \(error)")
            throw ExitCode.failure
        }
        progress.finish()
        let snapshot: JobSnapshot
        switch outcome {
        case .resumed(let resumed):
            snapshot = resumed
        case .replanned(let replanned):
            print("job \(job) failed before its plan was committed: its file was planned again as job \(replanned.id)")
            snapshot = replanned
        }
        print("job \(snapshot.id) \(snapshot.status.rawValue): \(snapshot.message ?? "")")
        if let result = snapshot.result { print("result: \(JobQueries.json(result))") }
        if let error = snapshot.error { print("error: \(JobQueries.json(error))") }
        if snapshot.status != .succeeded { throw ExitCode.failure }
    }
}
