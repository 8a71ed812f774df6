public import IngestPostgres

/// An importer as the rest of nexus-ingest sees it: besides the pipeline steps of
/// ``Importer``, what its folder declares about the type — names, default routes, the options
/// it takes, its own migrations and what `gc` removes for it. A new type is one folder with a
/// type conforming to this, plus one line in ``ImporterRegistry/standard``; routes, the
/// command line's checks and help, migrations, the status schema and `gc` follow from it.
public protocol RegisteredImporter: Importer {
    /// The type's names.
    static var importType: ImportType { get }
    /// A line for `--type` help: what files the type takes.
    static var summary: String { get }
    /// The routes a fresh install has for this type (`PATTERN=TYPE[:MODE]`, DESIGN §1.2).
    static var defaultRoutes: [String] { get }
    /// The per-file options this type requires and takes (the publish guards apply to every type).
    static var options: ImportOptionRules { get }
    /// Migrations of this type's own tables (versions ≥ 1000, unique in the registry; the
    /// core migrations below 1000 hold the ledger and the first four types). Default: none.
    static var migrations: [Migration] { get }
    /// What `gc` removes for this type. Default: nothing.
    static var garbage: [GarbageRule] { get }

    /// The importer for one job, with the job's options.
    init(options: ImportOptions)
}

extension RegisteredImporter {
    public var type: ImportType { Self.importType }
    public static var migrations: [Migration] { [] }
    public static var garbage: [GarbageRule] { [] }
}

/// Which of ``ImportOptions``' per-file options a type requires and which it takes.
public struct ImportOptionRules: Sendable, Equatable {
    /// Options the type cannot run without (e.g. the XACT types' project).
    public var required: Set<ImportOptions.Option>
    /// Options the type also takes.
    public var optional: Set<ImportOptions.Option>

    public init(required: Set<ImportOptions.Option> = [], optional: Set<ImportOptions.Option> = []) {
        self.required = required
        self.optional = optional
    }

    /// Whether the type takes `option` at all.
    public func accepts(_ option: ImportOptions.Option) -> Bool { required.contains(option) || optional.contains(option) }
}

/// Rows `gc` deletes for one type: `DELETE FROM table WHERE condition`, in `gc`'s transaction,
/// after the rules of the types before it; or, for a rule that only releases (``deletesRows``
/// false), the rows whose storage `gc` frees.
public struct GarbageRule: Sendable {
    /// What the rows are, for the report (`replaced Golden component sets`).
    public var what: String
    /// The table with an alias (`price_list p`).
    public var table: String
    /// The condition, given `gc`'s parameters.
    public var condition: @Sendable (GarbageScope) -> String
    /// Releases what the rows own outside their table (their storage), given the `id`s of the
    /// rows about to be deleted, in `gc`'s transaction; nil when there is nothing.
    public var release: (@Sendable (PostgresConnection, [Int64]) throws -> Void)?
    /// Whether the rows are deleted after ``release``; false when they are not this rule's to
    /// delete (`import_job` rows whose allocation tables go), and then the condition must stop
    /// matching a row once its storage is released. Such rules run before every other rule, so
    /// that their tables are gone before deletes would cascade into them.
    public var deletesRows: Bool
    /// When set, the rule (one that only releases) runs after `gc`'s transaction has committed,
    /// releasing its rows, chosen first and in ascending order, in transactions of their own of
    /// at most this many each: for a release whose locks must not meet those of the other rules
    /// (merging SOW item tables locks `sow_item` exclusively, and the allocation rules then lock
    /// `component_summary`, which a components publish reading `sow_item` may hold), or that
    /// takes so many locks per row that a large backlog would overflow the server's lock table.
    public var batchSize: Int?

    public init(
        what: String, table: String, release: (@Sendable (PostgresConnection, [Int64]) throws -> Void)? = nil,
        deletesRows: Bool = true, batchSize: Int? = nil, condition: @escaping @Sendable (GarbageScope) -> String
    ) {
        precondition(batchSize == nil || (release != nil && !deletesRows), "only a rule that only releases runs in batches")
        self.what = what
        self.table = table
        self.condition = condition
        self.release = release
        self.deletesRows = deletesRows
        self.batchSize = batchSize
    }
}

/// What a ``GarbageRule`` condition may refer to.
public struct GarbageScope: Sendable {
    /// A subquery of the ids of FAILED jobs old enough that their data may go (`SELECT id …`).
    public var oldFailedJobs: String
    /// A subquery of the ids of SUCCEEDED jobs.
    public var succeededJobs: String
    /// How many published versions of each target to keep for `rollback` (`keep_published`).
    public var keepPublished: Int

    public init(oldFailedJobs: String, succeededJobs: String, keepPublished: Int) {
        self.oldFailedJobs = oldFailedJobs
        self.succeededJobs = succeededJobs
        self.keepPublished = keepPublished
    }
}
