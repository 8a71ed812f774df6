extension ImportType {
    /// Xactimate raw estimates of one project.
    public static let xactRaw = ImportType(rawValue: "XACT_RAW", cliName: "xact-raw")
}

extension XactRawImporter: RegisteredImporter {
    public static var importType: ImportType { .xactRaw }
    public static var summary: String { "Xactimate raw estimates of one project (--project)" }
    public static var defaultRoutes: [String] { ["xact-raw/*=xact-raw"] }
    public static var options: ImportOptionRules { ImportOptionRules(required: [.project]) }
    public static var garbage: [GarbageRule] {
        [
            GarbageRule(what: "failed estimate versions of old failed jobs", table: "estimate_version v") { scope in
                "v.status = 'failed' AND v.import_job_id IN (\(scope.oldFailedJobs))"
            },
        ]
    }
}
