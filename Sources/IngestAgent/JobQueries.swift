public import IngestCore
import IngestPostgres

/// Read-only views of the job ledger and the agent registry for `nexus-ingest status`, `jobs`
/// and `agents`.
public struct JobQueries {
    private let ledger: JobLedger
    private let registry: AgentRegistry

    /// Connects with `configuration`.
    public init(configuration: AgentConfiguration) throws {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        ledger = JobLedger(connection: connection)
        registry = AgentRegistry(connection: connection)
    }

    /// The live agents (and `import`/`retry` processes), on every host, oldest first.
    public func agents() throws -> [AgentRecord] { try registry.list() }

    /// One job by id.
    public func job(_ id: Int64) throws -> JobSnapshot? { try ledger.snapshot(id) }

    /// The newest jobs, optionally of one status.
    public func jobs(status: JobStatus?, limit: Int) throws -> [JobSnapshot] { try ledger.list(status: status, limit: limit) }

    /// `document` as the JSON of a status file.
    public static func json(_ document: StatusDocument) -> String {
        String(decoding: JSONText.encode(document, pretty: true), as: UTF8.self)
    }

    /// A JSON value as text: compact, or indented when `pretty`.
    public static func json(_ value: JSONValue, pretty: Bool = false) -> String {
        String(decoding: JSONText.encode(value, pretty: pretty), as: UTF8.self)
    }

    /// The agent's metrics file, as text.
    public static func metricsText(configuration: AgentConfiguration) throws -> String {
        guard let path = configuration.agent.metricsFile else {
            throw ConfigurationError(code: .notConfigured, key: "metrics_file", message: "no metrics file is configured")
        }
        return String(decoding: try Files.readAll(path), as: UTF8.self)
    }
}
