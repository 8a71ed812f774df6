import IngestCore
public import IngestPostgres

extension XactComponentsImporter {
    /// The new component rows against the version's current set (`component_summary_current`),
    /// by component code: codes `added`, `removed`, `changed` (their rows, quantity, unit
    /// price or total differ) and `unchanged`, and the totals of both sets. A publish replaces
    /// the version's whole set.
    public func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff? {
        let row = try connection.query(
            """
            WITH n AS (
                SELECT code, count(*) AS rows, sum(quantity) AS quantity, sum(unit_price) AS unit_price, sum(total) AS total
                FROM component_summary WHERE import_job_id = $1 GROUP BY code
            ), p AS (
                SELECT code, count(*) AS rows, sum(quantity) AS quantity, sum(unit_price) AS unit_price, sum(total) AS total
                FROM component_summary_current WHERE estimate_version_id = $2 AND import_job_id <> $1 GROUP BY code
            ), j AS (
                SELECT n.code IS NOT NULL AS in_new, p.code IS NOT NULL AS in_current, n.total AS new_total, p.total AS current_total,
                       ROW(n.rows, n.quantity, n.unit_price, n.total) IS DISTINCT FROM ROW(p.rows, p.quantity, p.unit_price, p.total) AS differs
                FROM n FULL JOIN p ON n.code = p.code
            )
            SELECT count(*) FILTER (WHERE in_current), count(*) FILTER (WHERE in_new),
                   count(*) FILTER (WHERE in_new AND NOT in_current), count(*) FILTER (WHERE in_current AND NOT in_new),
                   count(*) FILTER (WHERE in_new AND in_current AND differs), count(*) FILTER (WHERE in_new AND in_current AND NOT differs),
                   coalesce(sum(current_total), 0)::text, coalesce(sum(new_total), 0)::text
            FROM j
            """, job.jobId, try job.id("estimateVersionId")
        ).first!
        return PublishDiff(
            unit: "components", current: try row.require(0, as: Int.self), removed: try row.require(3, as: Int.self),
            incoming: try row.require(1, as: Int.self), replaces: true,
            details: [
                "added": .int(try row.require(2, as: Int64.self)), "changed": .int(try row.require(4, as: Int64.self)),
                "unchanged": .int(try row.require(5, as: Int64.self)),
                "total": ["current": .string(try row.require(6, as: String.self)), "new": .string(try row.require(7, as: String.self))],
            ])
    }

    /// Removes the job's component rows (nothing was allocated before the publish).
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {
        try connection.query("DELETE FROM component_summary WHERE import_job_id = $1", job.jobId)
        try connection.query("DELETE FROM raw_component_row WHERE import_job_id = $1", job.jobId)
    }
}
