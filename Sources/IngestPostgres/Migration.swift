import IngestCore

/// One versioned schema change, an `.sql` file under `Migrations/` embedded in the binary.
///
/// A migration runs inside one transaction with `search_path` set to the target schema, so
/// its SQL names no schema. Applied migrations are never edited: the recorded checksum
/// catches a changed file.
public struct Migration: Sendable, Equatable {
    /// The order of application, 1, 2, 3, …
    public let version: Int
    /// A short name, the file name without the `mNNNN_` prefix and `.sql`.
    public let name: String
    /// The SQL text.
    public let sql: String

    /// Creates a migration from the embedded bytes of its file.
    public init(version: Int, name: String, bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }

    /// Creates a migration from its SQL text (an importer's own, declared in its folder).
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a 64 of the SQL text, as 16 hex digits.
    public var checksum: String {
        let hex = String(FNV1a64.hash(sql.utf8), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The core migrations, in order: the ledger, and the tables of the four importers that shipped
/// before importers declared their own (versions below 1000). Add a file under `Migrations/`
/// and a line here; a new importer declares its tables in its own folder instead.
public enum Migrations {
    /// Every core migration, by ascending version.
    public static let all: [Migration] = [
        Migration(version: 1, name: "initial_schema", bytes: PackageResources.m0001_initial_schema_sql),
        Migration(version: 2, name: "xact_retry_gc", bytes: PackageResources.m0002_xact_retry_gc_sql),
        Migration(version: 3, name: "price_list_item_fillfactor", bytes: PackageResources.m0003_price_list_item_fillfactor_sql),
        Migration(version: 4, name: "cat_division_legacy_table", bytes: PackageResources.m0004_cat_division_legacy_table_sql),
        Migration(version: 5, name: "estimate_version_withdrawn", bytes: PackageResources.m0005_estimate_version_withdrawn_sql),
        Migration(version: 6, name: "open_import_types", bytes: PackageResources.m0006_open_import_types_sql),
        Migration(version: 7, name: "price_list_published_at", bytes: PackageResources.m0007_price_list_published_at_sql),
        Migration(version: 8, name: "agent_presence", bytes: PackageResources.m0008_agent_presence_sql),
        Migration(version: 9, name: "component_set_storage", bytes: PackageResources.m0009_component_set_storage_sql),
        Migration(
            version: 10, name: "component_allocation_storage", bytes: PackageResources.m0010_component_allocation_storage_sql),
        Migration(
            version: 11, name: "price_list_revision_storage", bytes: PackageResources.m0011_price_list_revision_storage_sql),
        Migration(version: 12, name: "sow_item_storage", bytes: PackageResources.m0012_sow_item_storage_sql),
        Migration(
            version: 13, name: "allocation_without_sow_item_key",
            bytes: PackageResources.m0013_allocation_without_sow_item_key_sql),
        Migration(version: 14, name: "raw_xact_row_storage", bytes: PackageResources.m0014_raw_xact_row_storage_sql),
        Migration(
            version: 15, name: "logical_item_particle_key", bytes: PackageResources.m0015_logical_item_particle_key_sql),
    ]

    /// The highest version this binary can apply.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}
