public import Importers

/// One setting nexus-ingest knows: its key in the YAML file, its environment variable, what
/// values it takes, its default, and whether SIGHUP can change it.
///
/// ``all(importers:)`` is the one list of settings: the loader checks every key and value against it,
/// `nexus-ingest config` prints it, and a reload names the changed keys that need a restart.
public struct ConfigurationKey: Sendable {
    /// What values a setting takes.
    public enum Kind: Sendable {
        /// Any text (empty allowed).
        case text
        /// Text that must not be empty.
        case nonEmptyText
        /// A whole number ≥ `minimum`.
        case integer(minimum: Int)
        /// A decimal number within `minimum`…`maximum` (no hexadecimal, `inf` or `nan`).
        case number(minimum: Double, maximum: Double?)
        /// `true` or `false` (`yes`/`no`, `on`/`off`, `1`/`0` too).
        case flag
        /// One of these words.
        case choice([String])
        /// `auto` or a whole number ≥ 1.
        case chunks
        /// A list of `PATTERN=TYPE[:MODE]` routes to the types of these importers.
        case routes(ImporterRegistry)
    }

    /// The dotted key, e.g. `database.url`.
    public let name: String
    /// What it takes.
    public let kind: Kind
    /// The value when nothing sets it.
    public let defaultValue: SettingValue
    /// Whether SIGHUP applies a change (otherwise the agent needs a restart).
    public let reloadable: Bool
    /// Whether its value must never be shown (passwords in `database.url`).
    public let secret: Bool

    /// The environment variable: `NEXUS_INGEST_` + the key in upper case with `_` for `.`.
    public var environmentVariable: String {
        ConfigurationKey.environmentPrefix + name.uppercased().replacing(".", with: "_")
    }

    /// What a value must look like, for error messages.
    public var expectation: String {
        switch kind {
        case .text: "text"
        case .nonEmptyText: "non-empty text"
        case .integer(let minimum): "a whole number ≥ \(minimum)"
        case .number(let minimum, let maximum?): "a number from \(SettingValue.number(minimum)) to \(SettingValue.number(maximum))"
        case .number(let minimum, nil): "a number ≥ \(SettingValue.number(minimum))"
        case .flag: "true or false"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .chunks: "'auto' or a whole number ≥ 1"
        case .routes: "a list of PATTERN=TYPE[:MODE] entries"
        }
    }

    init(_ name: String, _ kind: Kind, _ defaultValue: SettingValue, reloadable: Bool, secret: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.reloadable = reloadable
        self.secret = secret
    }

    /// The prefix of every configuration variable.
    public static let environmentPrefix = "NEXUS_INGEST_"

    /// Variables with the prefix that are not settings: the config file's path, and the
    /// test suites' own (`NEXUS_INGEST_TEST_*`).
    static func isReservedVariable(_ name: String) -> Bool {
        name == "NEXUS_INGEST_CONFIG" || name.hasPrefix("NEXUS_INGEST_TEST_")
    }

    /// Every setting, in the order of the shipped config file; routes name the types of
    /// `importers`, and their default is every importer's default routes.
    public static func all(importers: ImporterRegistry = .standard) -> [ConfigurationKey] {
        [
            ConfigurationKey("database.url", .text, .text(""), reloadable: false, secret: true),
            ConfigurationKey("database.schema", .nonEmptyText, .text(AgentConfiguration.defaultSchema), reloadable: false),
            ConfigurationKey("spool_dir", .nonEmptyText, .text(AgentConfiguration.defaultSpoolDirectory), reloadable: false),
            ConfigurationKey("workers", .integer(minimum: 1), .integer(Int(coreCount())), reloadable: false),
            ConfigurationKey("chunks", .chunks, .text("auto"), reloadable: true),
            ConfigurationKey("chunk_target_size", .integer(minimum: 1), .integer(64 << 20), reloadable: true),
            ConfigurationKey("max_rejects", .integer(minimum: 0), .integer(0), reloadable: true),
            ConfigurationKey("max_reject_ratio", .number(minimum: 0, maximum: 1), .number(0), reloadable: true),
            ConfigurationKey("retry.max_attempts", .integer(minimum: 1), .integer(5), reloadable: true),
            ConfigurationKey("retry.initial_backoff_ms", .integer(minimum: 1), .integer(200), reloadable: true),
            ConfigurationKey("status_interval_ms", .integer(minimum: 50), .integer(1000), reloadable: true),
            ConfigurationKey("drop_root", .nonEmptyText, .text(AgentSettings.defaultDropRoot), reloadable: false),
            ConfigurationKey("routes", .routes(importers), .list(importers.defaultRoutes), reloadable: true),
            ConfigurationKey("settle_seconds", .number(minimum: 0, maximum: nil), .number(2), reloadable: true),
            ConfigurationKey("rescan_interval_seconds", .number(minimum: 1, maximum: nil), .number(60), reloadable: true),
            ConfigurationKey("grace_period_seconds", .number(minimum: 0, maximum: nil), .number(30), reloadable: true),
            ConfigurationKey("auto_create_projects", .flag, .flag(false), reloadable: true),
            ConfigurationKey("default_company", .nonEmptyText, .text("default"), reloadable: true),
            ConfigurationKey("migrate_on_start", .flag, .flag(true), reloadable: false),
            ConfigurationKey(
                "log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), .text("info"),
                reloadable: false),
            ConfigurationKey("log.format", .choice(["text", "json"]), .text("text"), reloadable: false),
            ConfigurationKey("metrics_file", .text, .text(""), reloadable: true),
            ConfigurationKey("claim_lease_seconds", .integer(minimum: 1), .integer(600), reloadable: true),
            ConfigurationKey("keep_published", .integer(minimum: 1), .integer(3), reloadable: true),
        ]
    }
}
