import Importers
import IngestPostgres

/// What `nexus-ingest gc` asks of the ledger (DESIGN §6).
extension JobLedger {
    /// The subqueries the importers' ``GarbageRule``s use; parameter `$1` is the age in hours
    /// after which a FAILED job's data may go.
    static func garbageScope(keepPublished: Int) -> GarbageScope {
        GarbageScope(
            oldFailedJobs:
                "SELECT id FROM import_job WHERE status = 'FAILED' AND finished_at < now() - make_interval(secs => $1::float8 * 3600)",
            succeededJobs: "SELECT id FROM import_job WHERE status = 'SUCCEEDED'",
            keepPublished: keepPublished)
    }

    /// Marks the old failed jobs collected (they can no longer be retried), or with
    /// `dryRun` counts them; returns how many.
    func collectOldFailedJobs(olderThanHours hours: Double, dryRun: Bool) throws -> Int {
        let old = Self.garbageScope(keepPublished: 1).oldFailedJobs
        if dryRun {
            return try connection.query("SELECT count(*) FROM import_job WHERE id IN (\(old)) AND collected_at IS NULL", hours)
                .first!.require(0, as: Int.self)
        }
        return try connection.query("UPDATE import_job SET collected_at = now() WHERE id IN (\(old)) AND collected_at IS NULL", hours)
            .affectedRows
    }

    /// Which of `jobs` have not ended.
    func activeJobs(among jobs: Set<Int64>) throws -> Set<Int64> {
        Set(try connection.query(
            "SELECT id FROM import_job WHERE status IN ('QUEUED', 'RUNNING') AND id = ANY(string_to_array($1, ',')::bigint[])",
            jobs.map(String.init).joined(separator: ",")
        ).rows.map { try $0.require(0, as: Int64.self) })
    }
}
