extension ImportType {
    /// Xactimate raw estimates of one project.
    public static let xactRaw = ImportType(rawValue: "XACT_RAW", cliName: "xact-raw")
}

extension XactRawImporter: RegisteredImporter {
    public static var importType: ImportType { .xactRaw }
    public static var summary: String { "Xactimate raw estimates of one project (--project)" }
    public static var defaultRoutes: [String] { ["xact-raw/*=xact-raw"] }
    public static var options: ImportOptionRules { ImportOptionRules(required: [.project]) }
    /// The failed versions of old failed jobs, with their raw tables; and the SOW item and raw
    /// row tables of all but the newest published versions, merged in transactions of their own
    /// once many are attached
    /// (``VersionTable/merge(_:versions:)``).
    public static var garbage: [GarbageRule] {
        [
            GarbageRule(
                what: "failed estimate versions of old failed jobs", table: "estimate_version v",
                release: { connection, versions in try EstimateVersionStorage.drop(connection, versions: versions) }
            ) { scope in
                "v.status = 'failed' AND v.import_job_id IN (\(scope.oldFailedJobs))"
            },
            GarbageRule(
                what: "estimate versions' own SOW item and raw row tables (merged into shared ones)", table: "estimate_version v",
                release: { connection, versions in try VersionTable.merge(connection, versions: versions) },
                deletesRows: false, batchSize: VersionTable.versionsMergedPerTransaction
            ) { _ in VersionTable.mergeCondition },
        ]
    }
}
