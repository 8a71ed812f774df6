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

    /// Removes the job's component rows and its allocation's (empty, never attached) table:
    /// nothing was allocated before the publish.
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {
        try connection.query("DELETE FROM component_summary WHERE import_job_id = $1", job.jobId)
        try connection.query("DELETE FROM raw_component_row WHERE import_job_id = $1", job.jobId)
        try AllocationStorage.drop(connection, jobs: [job.jobId], attached: false)
    }

    /// The project's current estimate version (components attach to it), read only.
    private func currentVersion(_ connection: PostgresConnection) throws -> (project: ProjectRef, version: Int64) {
        let project = try Projects.existing(connection, options: options)
        guard let version = try connection.query(
            "SELECT id FROM estimate_version_current WHERE project_id = $1", project.id
        ).first?.require(0, as: Int64.self) else {
            throw ImportFailure(code: .precondition, message: "project '\(project.code)' has no current estimate version")
        }
        return (project, version)
    }

    public func lockPublishing(_ connection: PostgresConnection) throws {
        try connection.query("SELECT id FROM estimate_version WHERE id = $1 FOR UPDATE", try currentVersion(connection).version)
    }

    /// The component sets loaded for the project's current estimate version whose rows `gc`
    /// kept, newest first (``PublishedVersion/needsPublishedJob``: the ledger keeps those whose
    /// job SUCCEEDED).
    public func history(_ connection: PostgresConnection) throws -> [PublishedVersion] {
        try connection.query(
            """
            SELECT s.job, 'components of estimate version ' || v.id || ' (job ' || s.job || ')', s.job, NULL,
                   (SELECT count(*) FROM component_summary c WHERE c.import_job_id = s.job),
                   NULL, v.components_import_job_id IS NOT DISTINCT FROM s.job, false
            FROM estimate_version v,
                 LATERAL (SELECT DISTINCT r.import_job_id AS job FROM raw_component_row r WHERE r.estimate_version_id = v.id
                          UNION SELECT v.components_import_job_id WHERE v.components_import_job_id IS NOT NULL) s
            WHERE v.id = $1
            ORDER BY s.job DESC
            """, try currentVersion(connection).version
        ).rows.map { row in
            var version = try PublishedVersion(row: row)
            version.needsPublishedJob = true
            return version
        }
    }

    /// Points the version at `version`'s job: its rows and allocations become current.
    public func makeCurrent(_ connection: PostgresConnection, _ version: PublishedVersion, replacing current: PublishedVersion) throws {
        try connection.query(
            "UPDATE estimate_version SET components_import_job_id = $2, updated_at = now() WHERE id = $1",
            try currentVersion(connection).version, version.id)
    }
}
