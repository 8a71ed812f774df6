extension ImportType {
    /// Golden component sets of the active price list.
    public static let priceListComponents = ImportType(rawValue: "PRICE_LIST_COMPONENTS", cliName: "golden-components")
}

extension GoldenComponentsImporter: RegisteredImporter {
    public static var importType: ImportType { .priceListComponents }
    public static var summary: String { "Golden component sets of the active price list" }
    public static var defaultRoutes: [String] { ["golden-components=golden-components"] }
    public static var options: ImportOptionRules { ImportOptionRules() }
    /// Inactive sets of SUCCEEDED jobs beyond the newest `keep_published` published sets of
    /// each list (which `rollback` can go back to), and the sets of old failed jobs: their
    /// tables are dropped (``ComponentSetStorage``), then the sets deleted.
    public static var garbage: [GarbageRule] {
        [
            GarbageRule(
                what: "replaced Golden component sets", table: "price_list_component_set s",
                release: { connection, sets in try ComponentSetStorage.drop(connection, sets: sets) }
            ) { scope in
                let replacedSets = """
                    SELECT id FROM (
                        SELECT s.id, row_number() OVER (PARTITION BY s.price_list_id ORDER BY s.id DESC) AS rank
                        FROM price_list_component_set s WHERE s.activated_at IS NOT NULL
                    ) ranked WHERE rank > \(scope.keepPublished)
                    """
                return "NOT s.is_active AND ((s.import_job_id IN (\(scope.succeededJobs)) AND s.id IN (\(replacedSets))) "
                    + "OR s.import_job_id IN (\(scope.oldFailedJobs)))"
            },
        ]
    }
}
