import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest gc` (DESIGN §6): removes what no reader sees and no retry needs, by the rules
/// each importer declares (``RegisteredImporter/garbage``):
///
/// - spool files of jobs that have ended (or that the database does not know);
/// - Golden component sets that were replaced (inactive sets of SUCCEEDED jobs), except the
///   newest `keep_published` published sets of each list, which `rollback` can go back to;
/// - XACT component rows (raw rows, summaries) and allocation tables of jobs that are no longer
///   their estimate's current set, except the newest `keep_published` sets of each version;
///   and once many published jobs' allocation tables are attached, all but the newest are merged
///   into shared ones, which keeps what a reader of the allocations opens small;
/// - likewise the SOW item and raw row tables of all but the newest published estimate
///   versions; both merges run in transactions of their own after the rest
///   (``GarbageRule/batchSize``);
/// - the partial data of FAILED jobs that ended more than `failedOlderThanHours` ago: their
///   unpublished Golden revision, their component set or component rows, their failed
///   estimate version. Such jobs are marked `collected_at` and can no longer be retried.
///   Younger failed jobs keep their data, so that `retry` can finish them.
///
/// - registrations of agents and `import`/`retry` runs that ended more than a week ago;
/// - the temporary files that status writes killed mid-write left under the drop root
///   (``LeftoverStatusFiles``).
///
/// Published Golden revisions and completed estimate versions are history and stay.
public struct GarbageCollector: Sendable {
    private let configuration: AgentConfiguration
    /// How long the registrations of ended agents (and `import`/`retry` runs) are kept.
    static let keepAgentDays = 7

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// What was (or, in a dry run, would be) removed: a count per kind, in order.
    public typealias Report = [(what: String, count: Int)]

    /// The advisory lock one `gc` of a schema holds while it runs: a second one waits for it.
    /// Two at once could each pick a table the other merges or drops first, and fail with
    /// "relation does not exist" (nothing lost, but an error for the operator or the timer).
    static func lockName(schema: String) -> String { "nexus-ingest gc \(schema)" }

    /// Collects; with `dryRun`, only counts. Waits while another `gc` of the schema runs.
    public func run(dryRun: Bool, failedOlderThanHours: Double) throws -> Report {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        return try connection.withAdvisoryLock(Self.lockName(schema: configuration.databaseSchema)) {
            try run(connection, dryRun: dryRun, failedOlderThanHours: failedOlderThanHours)
        }
    }

    private func run(_ connection: PostgresConnection, dryRun: Bool, failedOlderThanHours: Double) throws -> Report {
        let scope = JobLedger.garbageScope(keepPublished: configuration.agent.keepPublished)
        var report: Report = []
        let rules = configuration.importers.garbage
        // A rule that does not name the old failed jobs takes no parameter.
        func run(_ rule: GarbageRule, _ sql: (String) -> String) throws -> PostgresResult {
            let condition = rule.condition(scope)
            let statement = sql("FROM \(rule.table) WHERE \(condition)")
            return condition.contains("$1") ? try connection.query(statement, failedOlderThanHours) : try connection.query(statement)
        }
        // The ids whose storage a rule releases (nil in a dry run, or for a rule that only deletes).
        func chosen(_ rule: GarbageRule) throws -> [Int64]? {
            dryRun || rule.release == nil ? nil : try run(rule) { "SELECT id \($0)" }.rows.map { try $0.require(0, as: Int64.self) }
        }
        func apply(_ rule: GarbageRule, chosen ids: [Int64]?) throws {
            if dryRun {
                report.append((rule.what, try run(rule) { "SELECT count(*) \($0)" }.first!.require(0, as: Int.self)))
            } else if let release = rule.release, let ids {
                try release(connection, ids)
                report.append((rule.what, rule.deletesRows ? try run(rule) { "DELETE \($0)" }.affectedRows : ids.count))
            } else {
                report.append((rule.what, try run(rule) { "DELETE \($0)" }.affectedRows))
            }
        }
        try connection.transaction { connection in
            // The rows whose storage is released are chosen before any rule deletes (a rule may
            // find its rows through those of another: XACT allocation tables through the jobs'
            // raw rows). Rules that only release run first, so that a table is dropped before the
            // deletes that would otherwise cascade into its rows one by one (XACT allocations
            // before their component summaries); rules that release and delete run last:
            // dropping a partition locks its parent table against readers until the transaction
            // ends, which is then a moment later.
            let shared = rules.filter { $0.batchSize == nil }
            let ordered = shared.filter { $0.release != nil && !$0.deletesRows } + shared.filter { $0.release == nil }
                + shared.filter { $0.release != nil && $0.deletesRows }
            for (rule, ids) in zip(ordered, try ordered.map(chosen)) {
                try apply(rule, chosen: ids)
            }
            let marked = try JobLedger(connection: connection).collectOldFailedJobs(olderThanHours: failedOlderThanHours, dryRun: dryRun)
            report.append(("failed jobs no longer retryable", marked))
            let forgotten = try AgentRegistry(connection: connection).forget(endedMoreThanDaysAgo: Self.keepAgentDays, dryRun: dryRun)
            report.append(("agent registrations ended over \(Self.keepAgentDays) days ago", forgotten))
        }
        // Then the rules that run in batches, after the others' locks are gone.
        for rule in rules {
            guard let batchSize = rule.batchSize, let release = rule.release else { continue }
            guard !dryRun else {
                try apply(rule, chosen: nil)
                continue
            }
            let ids = try chosen(rule)?.sorted() ?? []
            for start in stride(from: 0, to: ids.count, by: batchSize) {
                try connection.transaction { try release($0, Array(ids[start..<min(start + batchSize, ids.count)])) }
            }
            report.append((rule.what, ids.count))
        }

        let spool = Spool(root: configuration.pipeline.spoolDirectory)
        var files = 0
        let jobs = try spool.jobsWithFiles()
        if !jobs.isEmpty {
            let live = try JobLedger(connection: connection).activeJobs(among: jobs)
            for job in jobs.subtracting(live).sorted() {
                files += dryRun ? try spool.countFiles(job: job) : try spool.purge(job: job)
            }
        }
        report.append(("spool files of ended jobs", files))
        report.append((
            "status files' temporary files left by killed writes under the drop root",
            LeftoverStatusFiles.sweep(under: configuration.agent.dropRoot, dryRun: dryRun)))
        return report
    }
}
