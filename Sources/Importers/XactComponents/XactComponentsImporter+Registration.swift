extension ImportType {
    /// Xactimate component exports of one project's estimate version.
    public static let xactComponents = ImportType(rawValue: "XACT_COMPONENTS", cliName: "xact-components")
}

extension XactComponentsImporter: RegisteredImporter {
    public static var importType: ImportType { .xactComponents }
    public static var summary: String { "Xactimate component exports of one project (--project, --estimate-version)" }
    public static var defaultRoutes: [String] { ["xact-components/*=xact-components"] }
    public static var options: ImportOptionRules { ImportOptionRules(required: [.project], optional: [.estimateVersion]) }
    /// The rows of jobs that are no longer their estimate version's current set, beyond the
    /// newest `keep_published` sets of each version, and those of old failed jobs; the
    /// allocations of those jobs go with their tables (``AllocationStorage``), or with their
    /// summaries once their tables were merged: when many jobs' tables are attached, all but the
    /// newest are merged into shared ones (``AllocationStorage/merge(_:jobs:)``).
    public static var garbage: [GarbageRule] {
        let superseded: @Sendable (GarbageScope) -> String = { scope in
            """
            SELECT job FROM (
                SELECT s.job, row_number() OVER (PARTITION BY s.version ORDER BY s.job DESC) AS rank
                FROM (SELECT DISTINCT import_job_id AS job, estimate_version_id AS version FROM raw_component_row
                      WHERE import_job_id IN (\(scope.succeededJobs))) s
            ) ranked
            WHERE rank > \(scope.keepPublished)
              AND NOT EXISTS (SELECT 1 FROM estimate_version v WHERE v.components_import_job_id = ranked.job)
            """
        }
        let rows = [
            ("superseded or failed XACT component summaries", "component_summary c"),
            ("superseded or failed XACT raw component rows", "raw_component_row r"),
        ].map { what, table in
            let alias = table.split(separator: " ").last!
            return GarbageRule(what: what, table: table) { scope in
                "\(alias).import_job_id IN (\(superseded(scope))) OR \(alias).import_job_id IN (\(scope.oldFailedJobs))"
            }
        }
        let dropped: @Sendable (GarbageScope) -> String = { scope in
            "j.id IN (\(superseded(scope))) OR j.id IN (\(scope.oldFailedJobs))"
        }
        let allocations = GarbageRule(
            what: "allocation tables of superseded or failed XACT component jobs", table: "import_job j",
            release: { connection, jobs in try AllocationStorage.drop(connection, jobs: jobs, attached: true) }, deletesRows: false
        ) { scope in
            "to_regclass('\(AllocationStorage.tablePrefix)' || j.id) IS NOT NULL AND (\(dropped(scope)))"
        }
        // After gc's transaction, with its drops, has committed; in batches.
        let merged = GarbageRule(
            what: "allocation tables of published XACT component jobs merged into shared ones", table: "import_job j",
            release: { connection, jobs in try AllocationStorage.merge(connection, jobs: jobs) }, deletesRows: false,
            batchSize: AllocationStorage.jobsMergedPerTransaction
        ) { scope in AllocationStorage.mergeCondition(dropped: dropped(scope)) }
        return [allocations, merged] + rows
    }
}
