import IngestPostgres

/// Health checks an operator runs with `nexus-ingest doctor`.
public struct Doctor {
    /// One check's outcome.
    public struct Check: Sendable, Equatable {
        /// How a check ended.
        public enum Outcome: String, Sendable {
            case ok, warning, failed
        }
        /// What was checked, e.g. `database`.
        public var name: String
        /// How it ended.
        public var outcome: Outcome
        /// What was found, for people.
        public var detail: String
    }

    private let configuration: AgentConfiguration

    /// Creates a doctor for `configuration`.
    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Runs every check, in order; a failed check never stops the later ones.
    public func run() -> [Check] {
        var checks = [configurationCheck()]
        do {
            let connection = try PostgresConnection(conninfo: configuration.conninfo)
            checks.append(Check(name: "database", outcome: .ok, detail: "connected, server version \(formatVersion(connection.serverVersion))"))
            checks.append(schemaCheck(connection))
        } catch {
            checks.append(Check(name: "database", outcome: .failed, detail: "\(error)"))
        }
        return checks
    }

    private func configurationCheck() -> Check {
        let source = configuration.configFile.map { "config file \($0)" } ?? "no config file (environment and defaults)"
        let database = configuration.databaseURL == nil ? "database from PG* environment" : "database.url set"
        return Check(name: "configuration", outcome: .ok, detail: "\(source); \(database); schema \(configuration.databaseSchema)")
    }

    private func schemaCheck(_ connection: PostgresConnection) -> Check {
        do {
            let status = try Migrator(connection: connection, schema: configuration.databaseSchema).status()
            if !status.unknownVersions.isEmpty {
                return Check(name: "schema", outcome: .failed,
                             detail: "schema \(configuration.databaseSchema) has migrations \(status.unknownVersions) newer than this binary")
            }
            if !status.pendingVersions.isEmpty {
                return Check(name: "schema", outcome: .failed,
                             detail: "migrations \(status.pendingVersions) pending: run `nexus-ingest migrate`")
            }
            return Check(name: "schema", outcome: .ok,
                         detail: "schema \(configuration.databaseSchema) at version \(status.appliedVersions.last ?? 0), up to date")
        } catch {
            return Check(name: "schema", outcome: .failed, detail: "\(error)")
        }
    }

    private func formatVersion(_ version: Int) -> String {
        "\(version / 10000).\(version % 10000)"
    }
}
