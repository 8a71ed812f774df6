public import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest history` and `nexus-ingest rollback`: what an import type published into its
/// target, and making an earlier one current again (DESIGN §1.5: in one transaction, recorded
/// as a job of its own).
public struct PublishHistory: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// A rollback that was done.
    public struct Rollback: Sendable {
        /// The job that records it (SUCCEEDED, `meta_json.rollback`).
        public var job: JobSnapshot
        public var from: PublishedVersion
        public var to: PublishedVersion
    }

    /// What `type` published into the target `options` name, newest first.
    public func list(type: ImportType, options: ImportOptions) throws -> [PublishedVersion] {
        let connection = try connect()
        return try JobLedger(connection: connection).published(
            try configuration.importers.importer(for: type, options: options).history(connection))
    }

    /// Makes the published version before the current one, or the one job `to` published,
    /// current again, under the importer's publish lock, and records it as a job.
    /// - Throws: ``ImportFailure/Code/precondition`` when nothing is current, there is nothing
    ///   older, `to` published nothing that is kept, or it is current already.
    public func rollback(type: ImportType, options: ImportOptions, to job: Int64?, createdBy: String) throws -> Rollback {
        let connection = try connect()
        let importer = try configuration.importers.importer(for: type, options: options)
        let (record, from, to) = try connection.transaction { connection in
            try roll(importer, to: job, createdBy: createdBy, connection: connection)
        }
        return Rollback(job: try JobLedger(connection: connection).snapshot(record)!, from: from, to: to)
    }

    private func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
    }

    /// The rollback, in the caller's transaction: the version to go back to, made current,
    /// and recorded.
    private func roll(
        _ importer: any Importer, to: Int64?, createdBy: String, connection: PostgresConnection
    ) throws -> (Int64, PublishedVersion, PublishedVersion) {
        try importer.lockPublishing(connection)
        let history = try JobLedger(connection: connection).published(try importer.history(connection))
        let name = importer.type.cliName
        guard let currentIndex = history.firstIndex(where: \.isCurrent) else {
            throw ImportFailure(code: .precondition, message: "\(name): nothing is current, so there is nothing to roll back")
        }
        let current = history[currentIndex]
        let target: PublishedVersion
        if let to {
            guard let named = history.first(where: { $0.job == to }) else {
                throw ImportFailure(
                    code: .precondition,
                    message: "\(name): job \(to) published nothing that is kept (see `nexus-ingest history \(name)`)")
            }
            guard !named.isCurrent else {
                throw ImportFailure(code: .precondition, message: "\(name): \(named.label) of job \(to) is current already")
            }
            target = named
        } else {
            guard currentIndex + 1 < history.count else {
                throw ImportFailure(
                    code: .precondition, message: "\(name): \(current.label) is the oldest kept; there is nothing to roll back to")
            }
            target = history[currentIndex + 1]
        }
        try importer.makeCurrent(connection, target, replacing: current)
        let record = try JobLedger(connection: connection).recordRollback(
            type: importer.type, target: importer.target, message: "Rolled back \(name) from \(current.label) to \(target.label)",
            rollback: ["from": current.json, "to": target.json], createdBy: createdBy)
        return (record, current, target)
    }
}
