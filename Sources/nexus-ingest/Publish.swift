import ArgumentParser
import IngestAgent
import IngestCore

/// `nexus-ingest publish JOB`: publishes a job that waits for approval.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a job that waits for approval (held by a publish guard or a manual route).",
        discussion: """
            The job's data is loaded and its diff written (see `nexus-ingest status JOB`). The \
            publish makes it current in one transaction, with the checks of an ordinary publish: \
            if something else was published meanwhile, the publish is refused and the job FAILS. \
            Exit 0 when the job ends SUCCEEDED.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The id of the waiting job.")
    var job: Int64

    func run() async throws {
        try endHold(options, command: "publish") { configuration in try HeldJobs(configuration: configuration).publish(job: job) }
    }
}

/// `nexus-ingest discard JOB`: ends a job that waits for approval without publishing it.
struct Discard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Discard a job that waits for approval: it ends FAILED, what it loaded is removed.",
        discussion: "What is current stays as it is. Exit 0 when the job was discarded.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The id of the waiting job.")
    var job: Int64

    func run() async throws {
        try endHold(options, command: "discard", expecting: .failed) { configuration in
            try HeldJobs(configuration: configuration).discard(job: job)
        }
    }
}

/// Runs `body` with the configuration and prints the job it returns; exits 1 when it throws
/// or the job does not end `expecting`.
private func endHold(
    _ options: GlobalOptions, command: String, expecting: JobStatus = .succeeded,
    _ body: (AgentConfiguration) throws -> JobSnapshot
) throws {
    let configuration = try options.loadConfiguration()
    let snapshot: JobSnapshot
    do {
        snapshot = try body(configuration)
    } catch {
        printError("nexus-ingest \(command): \(error)")
        throw ExitCode.failure
    }
    print("job \(snapshot.id) \(snapshot.status.rawValue): \(snapshot.message ?? "")")
    if let diff = snapshot.result?["diff"] { print("diff: \(DiffSummary.text(diff))") }
    if snapshot.status != expecting { throw ExitCode.failure }
}
