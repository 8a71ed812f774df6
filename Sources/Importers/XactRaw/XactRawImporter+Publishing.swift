import IngestCore
public import IngestPostgres

extension XactRawImporter {
    /// The new estimate's rows against the project's current version (`estimate_version_current`),
    /// as multisets of the rows' canonical keys: rows `added` and `removed`, and the RCV totals
    /// of both. A publish makes the new version current: it replaces the whole estimate.
    public func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff? {
        try Self.requireUsableRows(job)
        let row = try connection.query(
            """
            WITH current_version AS (
                SELECT id FROM estimate_version_current WHERE project_id = $2 AND id <> $1
            ), n AS (
                SELECT coalesce(canonical_key_hash, '') AS key, count(*) AS rows, sum(rcv) AS rcv FROM raw_xact_row
                WHERE estimate_version_id = $1 GROUP BY 1
            ), p AS (
                SELECT coalesce(canonical_key_hash, '') AS key, count(*) AS rows, sum(rcv) AS rcv FROM raw_xact_row
                WHERE estimate_version_id = (SELECT id FROM current_version) GROUP BY 1
            ), j AS (
                SELECT coalesce(n.rows, 0) AS new_rows, coalesce(p.rows, 0) AS current_rows, n.rcv AS new_rcv, p.rcv AS current_rcv
                FROM n FULL JOIN p ON n.key = p.key
            )
            SELECT coalesce(sum(current_rows), 0), coalesce(sum(new_rows), 0),
                   coalesce(sum(greatest(new_rows - current_rows, 0)), 0), coalesce(sum(greatest(current_rows - new_rows, 0)), 0),
                   coalesce(sum(current_rcv), 0)::text, coalesce(sum(new_rcv), 0)::text,
                   (coalesce(sum(new_rcv), 0) - coalesce(sum(current_rcv), 0))::text,
                   (SELECT id FROM current_version)
            FROM j
            """, try job.id("estimateVersionId"), try job.id("projectId")
        ).first!
        return PublishDiff(
            unit: "items", current: try row.require(0, as: Int.self), removed: try row.require(3, as: Int.self),
            incoming: try row.require(1, as: Int.self), replaces: true,
            details: [
                "added": .int(try row.require(2, as: Int64.self)),
                "currentEstimateVersionId": try row.decode(7, as: Int64.self).map { .int($0) } ?? .null,
                "rcvTotal": [
                    "current": .string(try row.require(4, as: String.self)), "new": .string(try row.require(5, as: String.self)),
                    "change": .string(try row.require(6, as: String.self)),
                ],
            ])
    }

    /// Removes the unpublished estimate version and its rows.
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {
        try connection.query("DELETE FROM estimate_version WHERE id = $1 AND status = 'parsing'", try job.id("estimateVersionId"))
    }
}
