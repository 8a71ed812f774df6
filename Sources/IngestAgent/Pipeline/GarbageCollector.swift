import IngestCore
import IngestPostgres

/// `nexus-ingest gc` (DESIGN §6): removes what no reader sees and no retry needs.
///
/// - spool files of jobs that have ended (or that the database does not know);
/// - Golden component sets that were replaced (inactive sets of SUCCEEDED jobs), except the
///   newest `keep_published` published sets of each list, which `rollback` can go back to;
/// - XACT component rows (raw rows, summaries, allocations) of jobs that are no longer their
///   estimate's current set, except the newest `keep_published` sets of each version;
/// - the partial data of FAILED jobs that ended more than `failedOlderThanHours` ago: their
///   unpublished Golden revision, their component set or component rows, their failed
///   estimate version. Such jobs are marked `collected_at` and can no longer be retried.
///   Younger failed jobs keep their data, so that `retry` can finish them.
///
/// Published Golden revisions and completed estimate versions are history and stay.
public struct GarbageCollector: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// What was (or, in a dry run, would be) removed: a count per kind, in order.
    public typealias Report = [(what: String, count: Int)]

    /// Collects; with `dryRun`, only counts.
    public func run(dryRun: Bool, failedOlderThanHours: Double) throws -> Report {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        // Failed jobs whose data may go (parameter $1: hours).
        let oldFailed = "SELECT id FROM import_job WHERE status = 'FAILED' AND finished_at < now() - make_interval(secs => $1::float8 * 3600)"
        let keep = configuration.agent.keepPublished
        let supersededComponents = """
            SELECT id FROM (
                SELECT j.id, row_number() OVER (PARTITION BY j.estimate_version_id ORDER BY j.id DESC) AS rank
                FROM import_job j
                WHERE j.type = 'XACT_COMPONENTS' AND j.status = 'SUCCEEDED' AND j.duplicate_of IS NULL
                  AND EXISTS (SELECT 1 FROM raw_component_row r WHERE r.import_job_id = j.id)
            ) ranked
            WHERE rank > \(keep) AND NOT EXISTS (SELECT 1 FROM estimate_version v WHERE v.components_import_job_id = ranked.id)
            """
        let replacedSets = """
            SELECT id FROM (
                SELECT s.id, row_number() OVER (PARTITION BY s.price_list_id ORDER BY s.id DESC) AS rank
                FROM price_list_component_set s WHERE s.activated_at IS NOT NULL
            ) ranked WHERE rank > \(keep)
            """
        let targets: [(what: String, table: String, condition: String)] = [
            ("replaced Golden component sets", "price_list_component_set s",
             "NOT s.is_active AND ((s.import_job_id IN (SELECT id FROM import_job WHERE status = 'SUCCEEDED') AND s.id IN (\(replacedSets))) OR s.import_job_id IN (\(oldFailed)))"),
            ("unpublished Golden revisions of old failed jobs", "price_list p",
             "NOT p.is_active AND p.import_job_id IN (\(oldFailed))"),
            ("failed estimate versions of old failed jobs", "estimate_version v",
             "v.status = 'failed' AND v.import_job_id IN (\(oldFailed))"),
            ("superseded or failed XACT component allocations", "sow_component_allocation a",
             "a.import_job_id IN (\(supersededComponents)) OR a.import_job_id IN (\(oldFailed))"),
            ("superseded or failed XACT component summaries", "component_summary c",
             "c.import_job_id IN (\(supersededComponents)) OR c.import_job_id IN (\(oldFailed))"),
            ("superseded or failed XACT raw component rows", "raw_component_row r",
             "r.import_job_id IN (\(supersededComponents)) OR r.import_job_id IN (\(oldFailed))"),
        ]
        var report: Report = []
        try connection.transaction { connection in
            for target in targets {
                let sql = dryRun
                    ? "SELECT count(*) FROM \(target.table) WHERE \(target.condition)"
                    : "DELETE FROM \(target.table) WHERE \(target.condition)"
                let result = try connection.query(sql, failedOlderThanHours)
                report.append((target.what, dryRun ? try result.first!.require(0, as: Int.self) : result.affectedRows))
            }
            let marked = dryRun
                ? try connection.query(
                    "SELECT count(*) FROM import_job WHERE id IN (\(oldFailed)) AND collected_at IS NULL", failedOlderThanHours
                ).first!.require(0, as: Int.self)
                : try connection.query(
                    "UPDATE import_job SET collected_at = now() WHERE id IN (\(oldFailed)) AND collected_at IS NULL",
                    failedOlderThanHours
                ).affectedRows
            report.append(("failed jobs no longer retryable", marked))
        }

        let spool = Spool(root: configuration.pipeline.spoolDirectory)
        var files = 0
        let jobs = try spool.jobsWithFiles()
        if !jobs.isEmpty {
            let live = Set(try connection.query(
                "SELECT id FROM import_job WHERE status IN ('QUEUED', 'RUNNING') AND id = ANY(string_to_array($1, ',')::bigint[])",
                jobs.map(String.init).joined(separator: ",")
            ).rows.map { try $0.require(0, as: Int64.self) })
            for job in jobs.subtracting(live).sorted() {
                files += dryRun ? try spool.countFiles(job: job) : try spool.purge(job: job)
            }
        }
        report.append(("spool files of ended jobs", files))
        return report
    }
}
