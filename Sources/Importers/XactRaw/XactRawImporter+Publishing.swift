import IngestCore
public import IngestPostgres

extension XactRawImporter {
    /// The new estimate's rows against the project's current version (`estimate_version_current`),
    /// as multisets of the rows' canonical keys: rows `added` and `removed`, and the RCV totals
    /// of both. A publish makes the new version current: it replaces the whole estimate.
    ///
    /// The first version of a project is compared with nothing: every row is added, and its
    /// rows are counted under one key instead of grouped by theirs (300k rows: the statement
    /// took 0.3 s instead of 0.5–0.8 s in imports' statement logs).
    public func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff? {
        try Self.requireUsableRows(job)
        let version = try job.id("estimateVersionId")
        // The current version first: the plan then knows whether there is one to group by.
        let current = try connection.query(
            "SELECT id FROM estimate_version_current WHERE project_id = $2 AND id <> $1", version, try job.id("projectId")
        ).first?.decode(0, as: Int64.self)
        let raw = EstimateVersionStorage(versionId: version).rawTable
        let row = try connection.query(
            """
            WITH n AS (
                SELECT CASE WHEN $1::bigint IS NULL THEN '' ELSE coalesce(canonical_key_hash, '') END AS key,
                       count(*) AS rows, sum(rcv) AS rcv
                FROM \(raw) GROUP BY 1
            ), p AS (
                SELECT coalesce(canonical_key_hash, '') AS key, count(*) AS rows, sum(rcv) AS rcv FROM raw_xact_row
                WHERE estimate_version_id = $1 GROUP BY 1
            ), j AS (
                SELECT coalesce(n.rows, 0) AS new_rows, coalesce(p.rows, 0) AS current_rows, n.rcv AS new_rcv, p.rcv AS current_rcv
                FROM n FULL JOIN p ON n.key = p.key
            )
            SELECT coalesce(sum(current_rows), 0), coalesce(sum(new_rows), 0),
                   coalesce(sum(greatest(new_rows - current_rows, 0)), 0), coalesce(sum(greatest(current_rows - new_rows, 0)), 0),
                   coalesce(sum(current_rcv), 0)::text, coalesce(sum(new_rcv), 0)::text,
                   (coalesce(sum(new_rcv), 0) - coalesce(sum(current_rcv), 0))::text
            FROM j
            """, current
        ).first!
        return PublishDiff(
            unit: "items", current: try row.require(0, as: Int.self), removed: try row.require(3, as: Int.self),
            incoming: try row.require(1, as: Int.self), replaces: true,
            details: [
                "added": .int(try row.require(2, as: Int64.self)),
                "currentEstimateVersionId": current.map { .int($0) } ?? .null,
                "rcvTotal": [
                    "current": .string(try row.require(4, as: String.self)), "new": .string(try row.require(5, as: String.self)),
                    "change": .string(try row.require(6, as: String.self)),
                ],
            ])
    }

    /// Removes the unpublished estimate version and its raw rows.
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {
        let version = try job.id("estimateVersionId")
        let removed = try connection.query("DELETE FROM estimate_version WHERE id = $1 AND status = 'parsing'", version).affectedRows
        if removed == 1 { try EstimateVersionStorage.drop(connection, versions: [version]) }
    }

    public func lockPublishing(_ connection: PostgresConnection) throws {
        try Projects.lock(connection, project: try Projects.existing(connection, options: options).id)
    }

    /// The project's completed estimate versions in the order that makes one current (the
    /// first that is not withdrawn), newest first.
    public func history(_ connection: PostgresConnection) throws -> [PublishedVersion] {
        try connection.query(
            """
            SELECT v.id, 'estimate version ' || v.id, v.import_job_id, nullif(v.file_name, ''),
                   (SELECT count(*) FROM raw_xact_row r WHERE r.estimate_version_id = v.id),
                   \(PublishedVersion.timestamp("coalesce(v.imported_at, v.created_at)")),
                   v.id IS NOT DISTINCT FROM (SELECT c.id FROM estimate_version_current c WHERE c.project_id = v.project_id),
                   v.withdrawn_at IS NOT NULL
            FROM estimate_version v
            WHERE v.project_id = $1 AND v.status = 'completed'
            ORDER BY v.sequence_no DESC, v.imported_at DESC NULLS LAST, v.id DESC
            """, try Projects.existing(connection, options: options).id
        ).rows.map(PublishedVersion.init(row:))
    }

    /// Makes `version` current: it is no longer withdrawn, and every completed version that
    /// would come before it is (they stay, and can be brought back the same way).
    public func makeCurrent(_ connection: PostgresConnection, _ version: PublishedVersion, replacing current: PublishedVersion) throws {
        try connection.query(
            """
            WITH ranked AS (
                SELECT id, row_number() OVER (ORDER BY sequence_no DESC, imported_at DESC NULLS LAST, id DESC) AS rank
                FROM estimate_version WHERE project_id = (SELECT project_id FROM estimate_version WHERE id = $1)
                  AND status = 'completed'
            )
            UPDATE estimate_version v SET updated_at = now(),
                withdrawn_at = CASE WHEN r.rank < (SELECT rank FROM ranked WHERE id = $1) THEN coalesce(v.withdrawn_at, now()) END
            FROM ranked r WHERE r.id = v.id AND r.rank <= (SELECT rank FROM ranked WHERE id = $1)
            """, version.id)
    }
}
