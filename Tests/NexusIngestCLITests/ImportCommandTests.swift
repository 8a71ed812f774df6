import Foundation
import IngestPostgres
import Testing

/// A migrated schema and a directory of their own for one command test; both removed after.
final class CommandWorkspace {
    let schema = "cli_\(UInt32.random(in: 0...UInt32.max))"
    let directory: String
    var environment: [String: String] {
        [
            "NEXUS_INGEST_DATABASE_URL": testDatabaseURL!, "NEXUS_INGEST_DATABASE_SCHEMA": schema,
            "NEXUS_INGEST_SPOOL_DIR": directory + "/spool", "NEXUS_INGEST_CONFIG": "",
        ]
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(schema).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let migrated = try runNexusIngest(["migrate"], environment: environment)
        #expect(migrated.status == 0, "\(migrated.output)")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
        if let connection = try? PostgresConnection(conninfo: testDatabaseURL!), let quoted = try? connection.quoteIdentifier(schema) {
            try? connection.executeScript("DROP SCHEMA IF EXISTS \(quoted) CASCADE")
        }
    }
}

@Suite("nexus-ingest import / status / jobs", .enabled(if: testDatabaseURL != nil))
struct ImportCommandTests {
    @Test func importsASampleThenReportsIt() throws {
        let workspace = try CommandWorkspace()
        let (schema, directory, environment) = (workspace.schema, workspace.directory, workspace.environment)
        let connection = try PostgresConnection(conninfo: testDatabaseURL!)
        try connection.setSearchPath(schema)
        try connection.executeScript(
            """
            INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'seed', 1, true);
            INSERT INTO price_list_item (price_list_id, cat, sel, activity, description, canonical_key_hash)
            SELECT id, 'WTR', 'DHM', '+', 'Dehumidifier', 'h1' FROM price_list;
            """)

        // Plain open/write/close, as an SFTP server writes an upload.
        let upload = directory + "/components.csv"
        _ = FileManager.default.createFile(atPath: upload, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: upload))
        try handle.write(contentsOf: Data("Code,Description,Quantity,Unit Price\nWTRDHM,Dehumidifier - Large,3,80\n".utf8))
        try handle.close()

        let imported = try runNexusIngest(["import", upload, "--type", "golden-components", "--wait"], environment: environment)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("SUCCEEDED"))
        #expect(imported.output.contains("\"componentCount\":1"))

        let status = try runNexusIngest(["status", upload], environment: environment)
        #expect(status.status == 0)
        #expect(status.output.contains("SUCCEEDED 100%"))
        let json = try runNexusIngest(["status", upload, "--json"], environment: environment)
        let document = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(document?["status"] as? String == "SUCCEEDED")
        let jobId = try #require(document?["jobId"] as? String)
        let byId = try runNexusIngest(["status", jobId], environment: environment)
        #expect(byId.output.contains("job \(jobId): SUCCEEDED"))

        let jobs = try runNexusIngest(["jobs", "--status", "succeeded"], environment: environment)
        #expect(jobs.output.contains("PRICE_LIST_COMPONENTS  SUCCEEDED"))

        // A file with a missing column fails: exit 1 and the reason.
        let bad = directory + "/bad.csv"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("Cat,Qty\nDRY,1\n".utf8))
        let failed = try runNexusIngest(["import", bad, "--type", "golden-components"], environment: environment)
        #expect(failed.status == 1)
        #expect(failed.output.contains("FAILED"))
        #expect(failed.output.contains("required column"))

        let unknown = try runNexusIngest(["import", bad, "--type", "nope"], environment: environment)
        #expect(unknown.status != 0)
        #expect(unknown.output.contains("unknown --type 'nope'"))
    }

    @Test func importsAGoldenPETLFileInReplaceMode() throws {
        let workspace = try CommandWorkspace()
        let (directory, environment) = (workspace.directory, workspace.environment)
        let upload = directory + "/golden.csv"
        _ = FileManager.default.createFile(
            atPath: upload, contents: Data("Cat,Sel,Activity,Desc,Unit Cost,Delete\nDRY,1/2,Replace,Board,1,Yes\n".utf8))

        let replaced = try runNexusIngest(["import", upload, "--type", "golden-petl", "--mode", "replace"], environment: environment)
        #expect(replaced.status == 0, "\(replaced.output)")
        #expect(replaced.output.contains("\"itemCount\":1"))
        #expect(replaced.output.contains("\"mode\":\"replace\""))
        // Merge (the default) honours the Delete mark. The same content again needs --force,
        // or it would be recorded as a duplicate of the first import.
        let duplicate = try runNexusIngest(["import", upload, "--type", "golden-petl"], environment: environment)
        #expect(duplicate.output.contains("Duplicate of job"))
        let merged = try runNexusIngest(["import", upload, "--type", "golden-petl", "--force"], environment: environment)
        #expect(merged.status == 0, "\(merged.output)")
        #expect(merged.output.contains("\"itemCount\":0"))
        #expect(merged.output.contains("\"deletedCount\":1"))

        let badMode = try runNexusIngest(["import", upload, "--type", "golden-petl", "--mode", "upsert"], environment: environment)
        #expect(badMode.status != 0)
        #expect(badMode.output.contains("--mode must be merge or replace, not 'upsert'"))
    }

    @Test func importsAnEstimateAndItsComponentsForAProject() throws {
        let workspace = try CommandWorkspace()
        let (directory, environment) = (workspace.directory, workspace.environment)
        let fixtures = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" }) + "/Tests/Fixtures/"
        let estimate = directory + "/estimate.csv"
        let components = directory + "/components.csv"
        try FileManager.default.copyItem(atPath: fixtures + "xact-raw.csv", toPath: estimate)
        try FileManager.default.copyItem(atPath: fixtures + "xact-components.csv", toPath: components)

        let missing = try runNexusIngest(["import", estimate, "--type", "xact-raw"], environment: environment)
        #expect(missing.status != 0)
        #expect(missing.output.contains("--type xact-raw needs --project CODE"))
        let refused = try runNexusIngest(["import", estimate, "--type", "xact-raw", "--project", "P9"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.output.contains("project 'P9' does not exist"))

        var creating = environment
        creating["NEXUS_INGEST_AUTO_CREATE_PROJECTS"] = "true"
        let raw = try runNexusIngest(["import", estimate, "--type", "xact-raw", "--project", "P9"], environment: creating)
        #expect(raw.status == 0, "\(raw.output)")
        #expect(raw.output.contains("\"itemCount\":4"))
        let allocated = try runNexusIngest(
            ["import", components, "--type", "xact-components", "--project", "P9", "--estimate-version", "1"], environment: environment)
        #expect(allocated.status == 0, "\(allocated.output)")
        #expect(allocated.output.contains("\"allocationsCreated\":11"))
    }

    @Test func retryAndGCFromTheCommandLine() throws {
        let workspace = try CommandWorkspace()
        let (directory, environment) = (workspace.directory, workspace.environment)
        let missing = try runNexusIngest(["retry", "999"], environment: environment)
        #expect(missing.status != 0)
        #expect(missing.output.contains("there is no job 999"))

        // A components import without a Golden list fails at prepare (no plan): retry plans
        // the file again as a new job, which fails the same way.
        let upload = directory + "/components.csv"
        _ = FileManager.default.createFile(atPath: upload, contents: Data("Code,Quantity\nDRY1/2,1\n".utf8))
        let failed = try runNexusIngest(["import", upload, "--type", "golden-components"], environment: environment)
        #expect(failed.status != 0)
        let retried = try runNexusIngest(["retry", "1"], environment: environment)
        #expect(retried.status != 0)
        #expect(retried.output.contains("job 1 failed before its plan was committed: its file was planned again as job 2"))

        let dryRun = try runNexusIngest(["gc", "--dry-run"], environment: environment)
        #expect(dryRun.status == 0, "\(dryRun.output)")
        #expect(dryRun.output.contains("would remove 0 replaced Golden component sets"))
        let collected = try runNexusIngest(["gc", "--failed-older-than", "0"], environment: environment)
        #expect(collected.status == 0, "\(collected.output)")
        #expect(collected.output.contains("removed 2 failed jobs no longer retryable"))
        let refused = try runNexusIngest(["retry", "2"], environment: environment)
        #expect(refused.output.contains("gc has removed its partial data"))
    }
}
