public import Importers

/// The settings nexus-ingest runs with, resolved from the config file and the environment.
///
/// Every key of the YAML file (`database.url`) can be overridden by an environment variable
/// named `NEXUS_INGEST_` + the key in upper case with `_` for `.` (`NEXUS_INGEST_DATABASE_URL`).
public struct AgentConfiguration: Sendable, Equatable {
    /// The libpq conninfo string or `postgres://` URL (`database.url`). When nil, libpq
    /// uses the `PG*` environment variables, `.pgpass` and service files alone.
    public var databaseURL: String?
    /// The PostgreSQL schema that holds nexus-ingest's tables (`database.schema`).
    public var databaseSchema: String
    /// The config file the settings came from, if any.
    public var configFile: String?
    /// The import types this configuration's routes and jobs may use.
    public var importers: ImporterRegistry
    /// Planning and loading settings.
    public var pipeline: PipelineSettings
    /// Watching and daemon settings.
    public var agent: AgentSettings

    /// The default schema name.
    public static let defaultSchema = "nexus"

    /// Creates a configuration.
    public init(
        databaseURL: String? = nil, databaseSchema: String = Self.defaultSchema, configFile: String? = nil,
        importers: ImporterRegistry = .standard,
        pipeline: PipelineSettings = PipelineSettings(spoolDirectory: Self.defaultSpoolDirectory, workers: 2),
        agent: AgentSettings = AgentSettings(routes: try! RouteTable(entries: ImporterRegistry.standard.defaultRoutes))
    ) {
        self.importers = importers
        self.databaseURL = databaseURL
        self.databaseSchema = databaseSchema
        self.configFile = configFile
        self.pipeline = pipeline
        self.agent = agent
    }

    /// The spool of an installed package.
    public static let defaultSpoolDirectory = "/var/lib/nexus-ingest/spool"

    /// The conninfo to hand to libpq (empty means: the `PG*` environment alone).
    public var conninfo: String { databaseURL ?? "" }
}
