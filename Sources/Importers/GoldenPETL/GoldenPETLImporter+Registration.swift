extension ImportType {
    /// Golden PETL price lists.
    public static let priceList = ImportType(rawValue: "PRICE_LIST", cliName: "golden-petl")
}

extension GoldenPETLImporter: RegisteredImporter {
    public static var importType: ImportType { .priceList }
    public static var summary: String { "Golden PETL price lists (--mode merge or replace)" }
    public static var defaultRoutes: [String] { ["golden-petl=golden-petl", "golden-petl/replace=golden-petl:replace"] }
    public static var options: ImportOptionRules { ImportOptionRules(optional: [.mode]) }
    public static var garbage: [GarbageRule] {
        [
            GarbageRule(
                what: "unpublished Golden revisions of old failed jobs", table: "price_list p",
                release: { connection, lists in try RevisionStorage.drop(connection, lists: lists) }
            ) { scope in
                "NOT p.is_active AND p.import_job_id IN (\(scope.oldFailedJobs))"
            },
        ]
    }
}
