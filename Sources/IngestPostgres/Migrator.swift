/// Applies the embedded ``Migrations`` to one schema.
///
/// `migrate()` takes a PostgreSQL advisory lock for the schema first, so agents that start
/// together apply each migration once and the others wait and then find nothing to do. Each
/// migration runs in its own transaction together with its `schema_migrations` row.
public struct Migrator {
    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Migrations applied by this run.
        public var applied: [Int]
        /// The schema's version after the run.
        public var currentVersion: Int
    }

    /// Where a schema stands relative to this binary.
    public struct Status: Sendable, Equatable {
        /// Versions recorded in the schema, ascending (empty when the schema is not migrated).
        public var appliedVersions: [Int]
        /// Known versions not yet applied.
        public var pendingVersions: [Int]
        /// Recorded versions this binary does not know (the database is newer).
        public var unknownVersions: [Int]
    }

    private let connection: PostgresConnection
    private let schema: String
    private let migrations: [Migration]

    /// Creates a migrator for `schema` (created if missing) over `connection`; `migrations`
    /// are the core ones and those of the importers (`ImporterRegistry.migrations`).
    public init(connection: PostgresConnection, schema: String, migrations: [Migration] = Migrations.all) {
        self.connection = connection
        self.schema = schema
        self.migrations = migrations
    }

    /// Applies the missing migrations in order, under the schema's advisory lock.
    /// - Throws: ``MigrationError`` when the database is newer than this binary or an
    ///   applied migration was edited; ``PostgresError`` when SQL fails (that migration is
    ///   rolled back, earlier ones stay).
    public func migrate() throws -> Report {
        try connection.withAdvisoryLock(lockName) { try migrateLocked() }
    }

    private func migrateLocked() throws -> Report {
        let quotedSchema = try connection.quoteIdentifier(schema)
        try connection.executeScript(
            """
            CREATE SCHEMA IF NOT EXISTS \(quotedSchema);
            CREATE TABLE IF NOT EXISTS \(quotedSchema).schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        let recorded = try recordedMigrations()
        try verify(recorded)

        var applied: [Int] = []
        for migration in migrations where recorded[migration.version] == nil {
            try connection.transaction { connection in
                try connection.query("SELECT set_config('search_path', quote_ident($1), true)", schema)
                try connection.executeScript(migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version, migration.name, migration.checksum)
            }
            applied.append(migration.version)
        }
        let current = max(recorded.keys.max() ?? 0, applied.max() ?? 0)
        return Report(applied: applied, currentVersion: current)
    }

    /// Reads where the schema stands, without changing anything.
    public func status() throws -> Status {
        let exists = try connection.query(
            "SELECT to_regclass(quote_ident($1) || '.schema_migrations') IS NOT NULL", schema)
        guard try exists.first?.require(0, as: Bool.self) == true else {
            return Status(appliedVersions: [], pendingVersions: migrations.map(\.version), unknownVersions: [])
        }
        let recorded = try recordedMigrations()
        let known = Set(migrations.map(\.version))
        return Status(
            appliedVersions: recorded.keys.sorted(),
            pendingVersions: migrations.map(\.version).filter { recorded[$0] == nil },
            unknownVersions: recorded.keys.filter { !known.contains($0) }.sorted())
    }

    private var lockName: String { "nexus-ingest migrate \(schema)" }

    /// version → checksum of the recorded migrations.
    private func recordedMigrations() throws -> [Int: String] {
        let quotedSchema = try connection.quoteIdentifier(schema)
        let rows = try connection.query("SELECT version, checksum FROM \(quotedSchema).schema_migrations").rows
        var recorded: [Int: String] = [:]
        for row in rows {
            recorded[try row.require(0, as: Int.self)] = try row.require(1, as: String.self)
        }
        return recorded
    }

    private func verify(_ recorded: [Int: String]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let unknown = recorded.keys.filter { known[$0] == nil }.sorted()
        if !unknown.isEmpty {
            throw MigrationError(
                code: .databaseIsNewer,
                message: "schema \(schema) has migrations \(unknown.map(String.init).joined(separator: ", ")) that this "
                    + "nexus-ingest (which knows up to \(migrations.map(\.version).max() ?? 0)) does not have; upgrade nexus-ingest")
        }
        for (version, checksum) in recorded where known[version]!.checksum != checksum {
            throw MigrationError(
                code: .checksumMismatch,
                message: "migration \(version) (\(known[version]!.name)) in schema \(schema) was applied with checksum "
                    + "\(checksum) but this binary has \(known[version]!.checksum); applied migrations must never change")
        }
    }
}
