/// The agent's settings beyond the pipeline (config keys in parentheses).
public struct AgentSettings: Sendable, Equatable {
    /// How log lines look (`log.format`).
    public enum LogFormat: String, Sendable { case text, json }

    /// The watched root (`drop_root`).
    public var dropRoot: String
    /// Routes below the drop root (`routes`, `PATTERN=TYPE[:MODE]` entries).
    public var routes: RouteTable
    /// Quiet time before an upload counts as complete (`settle_seconds`, default 2).
    public var settleMilliseconds: Int
    /// Full scans between inotify events (`rescan_interval_seconds`, default 60).
    public var rescanIntervalMilliseconds: Int
    /// How long SIGTERM waits for in-flight chunks (`grace_period_seconds`, default 30).
    public var gracePeriodMilliseconds: Int
    /// After how long another host's claim on a chunk that is not done is taken over
    /// (`claim_lease_seconds`, default 600).
    public var claimLeaseSeconds: Int
    /// Create unknown XACT projects instead of failing (`auto_create_projects`, default false).
    public var autoCreateProjects: Bool
    /// The company that owns auto-created projects (`default_company`).
    public var defaultCompany: String
    /// Apply migrations at start (`migrate_on_start`, default true).
    public var migrateOnStart: Bool
    /// `log.level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// `log.format`.
    public var logFormat: LogFormat
    /// Prometheus text file for node_exporter's textfile collector (`metrics_file`).
    public var metricsFile: String?
    /// How many published Golden component sets (per list) and XACT component sets (per
    /// estimate version) `gc` keeps for `rollback` (`keep_published`, default 3).
    public var keepPublished: Int

    /// The installed drop root.
    public static let defaultDropRoot = "/srv/nexus-ingest/uploads/pricing"

    public init(
        dropRoot: String = Self.defaultDropRoot, routes: RouteTable, settleMilliseconds: Int = 2000,
        rescanIntervalMilliseconds: Int = 60_000, gracePeriodMilliseconds: Int = 30_000, claimLeaseSeconds: Int = 600,
        autoCreateProjects: Bool = false,
        defaultCompany: String = "default", migrateOnStart: Bool = true, logLevel: String = "info",
        logFormat: LogFormat = .text, metricsFile: String? = nil, keepPublished: Int = 3
    ) {
        self.dropRoot = dropRoot
        self.routes = routes
        self.settleMilliseconds = max(0, settleMilliseconds)
        self.rescanIntervalMilliseconds = max(1000, rescanIntervalMilliseconds)
        self.gracePeriodMilliseconds = max(0, gracePeriodMilliseconds)
        self.claimLeaseSeconds = max(1, claimLeaseSeconds)
        self.autoCreateProjects = autoCreateProjects
        self.defaultCompany = defaultCompany
        self.migrateOnStart = migrateOnStart
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.metricsFile = metricsFile
        self.keepPublished = max(1, keepPublished)
    }
}
