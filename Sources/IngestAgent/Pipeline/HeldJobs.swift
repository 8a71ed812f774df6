import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest publish JOB` and `nexus-ingest discard JOB`: ends the wait of a job whose data
/// is loaded and that a publish guard or a manual route holds (``PublishHold``), and rewrites
/// its status file.
public struct HeldJobs: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Publishes held `job`; returns it SUCCEEDED.
    /// - Throws: ``HeldJobError`` when it is not held; the ``ImportFailure`` that failed the job
    ///   when the publish's checks refuse it (e.g. another revision was published meanwhile).
    public func publish(job: Int64) throws -> JobSnapshot {
        try end(job, approve: true)
    }

    /// Discards held `job`: FAILED (`discarded`), what it loaded removed, nothing published.
    /// - Throws: ``HeldJobError`` when it is not held.
    public func discard(job: Int64) throws -> JobSnapshot {
        try end(job, approve: false)
    }

    private func end(_ job: Int64, approve: Bool) throws -> JobSnapshot {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        let ledger = JobLedger(connection: connection)
        guard let row = try ledger.job(job) else { throw HeldJobError(job: job, message: "job \(job) does not exist") }
        defer {
            // The status file follows the job whatever became of it (an agent that tracks the
            // job writes the same final state).
            if let snapshot = try? ledger.snapshot(job) { try? StatusFileWriter.write(snapshot) }
        }
        func end<I: Importer>(_ importer: I) throws {
            let finalizer = Finalizer(importer: importer, settings: configuration.pipeline)
            if approve {
                try finalizer.approve(job: job, connection: WorkerConnection { connection })
            } else {
                try finalizer.discard(job: job, connection: connection)
            }
        }
        try end(try row.importer(configuration.importers))
        return try ledger.snapshot(job)!
    }
}
