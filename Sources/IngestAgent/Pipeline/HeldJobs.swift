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
        guard let row = try connection.query("SELECT type, meta_json->'options' FROM import_job WHERE id = $1", job).first,
              let type = ImportType(rawValue: try row.require(0, as: String.self))
        else { throw HeldJobError(job: job, message: "job \(job) does not exist") }
        defer {
            // The status file follows the job whatever became of it (an agent that tracks the
            // job writes the same final state).
            if let snapshot = try? JobStore(connection: connection).snapshot(job) { try? StatusFileWriter.write(snapshot) }
        }
        try ImporterRegistry.visit(
            type, options: ImportOptions(json: JSONText.decode(row[1])),
            EndVisitor(job: job, approve: approve, settings: configuration.pipeline, connection: connection))
        return try JobStore(connection: connection).snapshot(job)!
    }

    /// The finalizer's two ways out of a hold, with the job's importer.
    private struct EndVisitor: ImporterVisitor {
        let job: Int64
        let approve: Bool
        let settings: PipelineSettings
        let connection: PostgresConnection

        func visit<I: Importer>(_ importer: I) throws {
            let finalizer = Finalizer(importer: importer, settings: settings)
            let connection = self.connection
            if approve {
                try finalizer.approve(job: job, connection: WorkerConnection { connection })
            } else {
                try finalizer.discard(job: job, connection: connection)
            }
        }
    }
}
