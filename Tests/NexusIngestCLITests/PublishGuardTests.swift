import Foundation
import Testing

/// What goes live, through a running agent and the CLI against a real PostgreSQL: a replace
/// that would remove most of the current price list waits for approval and is published or
/// discarded; a publish after something else went live is refused; `publish: manual` and
/// `min_rows` routes hold every job; a dry run leaves the database as it was. Every status
/// file written is checked against `Config/status.schema.json`.
@Suite("publish guards, approval and dry runs", .enabled(if: testDatabaseURL != nil))
struct PublishGuardTests {
    /// A Golden PETL export with one item per (cat, sel, price).
    static func petlCSV(_ items: [(cat: String, sel: String, price: String)]) throws -> String {
        let header = String(try String(contentsOfFile: fixtures + "golden-petl.csv", encoding: .utf8)
            .split(separator: "\n", maxSplits: 1)[0])
        let columns = header.split(separator: ",").map(String.init)
        var text = header + "\n"
        for (index, item) in items.enumerated() {
            let values: [String: String] = [
                "#": String(index + 1), "Desc": "Item \(item.cat) \(item.sel)", "Qty": "1.00", "Unit Cost": item.price,
                "Unit": "SF", "Activity": "Replace", "Cat": item.cat, "Sel": item.sel, "Date": "3/1/2025",
            ]
            text += columns.map { values[$0] ?? "" }.joined(separator: ",") + "\n"
        }
        return text
    }

    static var fixtures: String {
        "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" }) + "/Tests/Fixtures/"
    }

    /// Validates a status file against the shipped schema (`scripts/lib/validate-status.py`).
    static func isValid(_ path: String) -> Bool {
        let script = fixtures.replacingOccurrences(of: "/Tests/Fixtures/", with: "/scripts/lib/validate-status.py")
        return system("/usr/bin/python3 '\(script)' '\(path)'") == 0
    }

    /// Waits until the upload's status file says RUNNING and waiting, and returns it.
    func waitingStatus(_ harness: AgentHarness, _ relative: String) throws -> [String: Any] {
        var status: [String: Any]?
        try waitUntil(seconds: 60) {
            status = harness.status(relative)
            if let final = status?["status"] as? String, final == "SUCCEEDED" || final == "FAILED" {
                Issue.record("\(relative) ended \(final) instead of waiting: \(status ?? [:])")
                throw CancellationError()
            }
            return status?["waiting"] is [String: Any]
        }
        #expect(Self.isValid(harness.dropRoot + "/" + relative + ".status.json"))
        return status!
    }

    func currentItems(_ harness: AgentHarness) throws -> [String] {
        try harness.connection.query("SELECT cat || ' ' || sel || ' ' || unit_price FROM golden_price_list_item_current ORDER BY 1")
            .rows.map { $0[0]! }
    }

    @Test func aReplaceThatRemovesMostItemsWaitsForPublishOrDiscard() throws {
        let harness = try AgentHarness()
        let ten = (0..<10).map { (cat: "DRY", sel: "S\($0)", price: "1.00") }
        // The list the replaces are measured against, published by hand over the seed list.
        let first = harness.root + "/first.csv"
        try Self.petlCSV(ten).write(toFile: first, atomically: true, encoding: .utf8)
        let seeded = try runNexusIngest(
            ["import", first, "--type", "golden-petl", "--mode", "replace", "--max-removed-ratio", "1"],
            environment: harness.environment)
        #expect(seeded.status == 0, "\(seeded.output)")
        #expect(try currentItems(harness).count == 10)

        try harness.start()
        // Keeps 4 of the 10 items (one with a new price): 60% removed, over the default 0.5.
        var kept = Array(ten.prefix(4))
        kept[0].price = "1.25"
        harness.drop("golden-petl/replace/kept.csv", try Self.petlCSV(kept))
        let held = try waitingStatus(harness, "golden-petl/replace/kept.csv")
        let job = held["jobId"] as! String
        #expect(held["status"] as? String == "RUNNING")
        let waiting = held["waiting"] as! [String: Any]
        #expect(waiting["guard"] as? String == "max_removed_ratio")
        #expect(waiting["publishCommand"] as? String == "nexus-ingest publish \(job)")
        #expect((held["message"] as? String ?? "").contains("remove 6 of the 10 current items (60.0%"))
        let diff = (held["result"] as? [String: Any])?["diff"] as? [String: Any]
        #expect(diff?["current"] as? Int == 10)
        #expect(diff?["removed"] as? Int == 6)
        #expect(diff?["updated"] as? Int == 1)
        #expect(diff?["unchanged"] as? Int == 3)
        #expect(diff?["unitPriceChanges"] as? Int == 1)
        #expect((diff?["largestRise"] as? [String: Any])?["to"] as? String == "1.25")
        // Loaded, not live: readers still see the ten items.
        #expect(try currentItems(harness).count == 10)

        let published = try runNexusIngest(["publish", job], environment: harness.environment)
        #expect(published.status == 0, "\(published.output)")
        #expect(published.output.contains("SUCCEEDED"))
        #expect(try currentItems(harness) == ["DRY S0 1.25", "DRY S1 1.00", "DRY S2 1.00", "DRY S3 1.00"])
        let done = try harness.finalStatus("golden-petl/replace/kept.csv")
        #expect(done["status"] as? String == "SUCCEEDED")
        #expect(done["waiting"] is NSNull)
        #expect((done["result"] as? [String: Any])?["approved"] as? Bool == true)
        #expect(Self.isValid(harness.dropRoot + "/golden-petl/replace/kept.csv.status.json"))
        let again = try runNexusIngest(["publish", job], environment: harness.environment)
        #expect(again.status != 0)
        #expect(again.output.contains("job \(job) is not waiting for approval (it is SUCCEEDED)"))

        // One item of four: held, then discarded; what it loaded is gone, nothing changed.
        harness.drop("golden-petl/replace/one.csv", try Self.petlCSV([(cat: "WTR", sel: "X1", price: "9.00")]))
        let second = try waitingStatus(harness, "golden-petl/replace/one.csv")["jobId"] as! String
        let discarded = try runNexusIngest(["discard", second], environment: harness.environment)
        #expect(discarded.status == 0, "\(discarded.output)")
        let ended = try harness.finalStatus("golden-petl/replace/one.csv")
        #expect(ended["status"] as? String == "FAILED")
        #expect((ended["error"] as? [String: Any])?["code"] as? String == "discarded")
        #expect(Self.isValid(harness.dropRoot + "/golden-petl/replace/one.csv.status.json"))
        #expect(try harness.count("SELECT count(*) FROM price_list WHERE import_job_id = $1", Int64(second)!) == 0)
        #expect(try currentItems(harness).count == 4)
        let retried = try runNexusIngest(["retry", second], environment: harness.environment)
        #expect(retried.status != 0)

        // Held, then another import publishes first: the held publish is refused and fails.
        harness.drop("golden-petl/replace/late.csv", try Self.petlCSV([(cat: "WTR", sel: "X2", price: "2.00")]))
        let late = try waitingStatus(harness, "golden-petl/replace/late.csv")["jobId"] as! String
        let merge = harness.root + "/merge.csv"
        try Self.petlCSV([(cat: "PNT", sel: "P1", price: "3.00")]).write(toFile: merge, atomically: true, encoding: .utf8)
        let merged = try runNexusIngest(["import", merge, "--type", "golden-petl"], environment: harness.environment)
        #expect(merged.status == 0, "\(merged.output)")
        let refused = try runNexusIngest(["publish", late], environment: harness.environment)
        #expect(refused.status != 0)
        #expect(refused.output.contains("The Golden price list changed while this import ran"), "\(refused.output)")
        #expect(try harness.finalStatus("golden-petl/replace/late.csv")["status"] as? String == "FAILED")
        #expect(try currentItems(harness).count == 5)

        // History and rollback from the command line: the merge's revision is current; a
        // rollback brings back the approved one.
        let history = try runNexusIngest(["history", "golden-petl"], environment: harness.environment)
        #expect(history.status == 0, "\(history.output)")
        let lines = history.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("current   revision ") == true, "\(history.output)")
        #expect(lines.contains { $0.contains("job \(job) ") && $0.contains("kept.csv") })
        let back = try runNexusIngest(["rollback", "golden-petl"], environment: harness.environment)
        #expect(back.status == 0, "\(back.output)")
        #expect(back.output.contains("Rolled back golden-petl from revision"))
        #expect(try currentItems(harness) == ["DRY S0 1.25", "DRY S1 1.00", "DRY S2 1.00", "DRY S3 1.00"])
        let projectless = try runNexusIngest(["rollback", "xact-raw"], environment: harness.environment)
        #expect(projectless.status != 0)
        #expect(projectless.output.contains("xact-raw needs --project CODE"))
    }

    @Test func manualAndMinRowsRoutesHoldEveryJob() throws {
        let harness = try AgentHarness()
        try harness.start(extra: [
            "NEXUS_INGEST_ROUTES": "golden-components=golden-components;publish=manual,counted=golden-components;min_rows=10",
        ])
        harness.drop("golden-components/parts.csv", AgentHarness.componentsCSV(seed: 7))
        let held = try waitingStatus(harness, "golden-components/parts.csv")
        #expect((held["waiting"] as? [String: Any])?["guard"] as? String == "publish")
        let diff = (held["result"] as? [String: Any])?["diff"] as? [String: Any]
        #expect(diff?["unit"] as? String == "components")
        #expect(diff?["added"] as? Int == 3)
        #expect(try harness.count("SELECT count(*) FROM price_list_component_current") == 0)
        let published = try runNexusIngest(["publish", held["jobId"] as! String], environment: harness.environment)
        #expect(published.status == 0, "\(published.output)")
        #expect(try harness.count("SELECT count(*) FROM price_list_component_current") == 3)

        // Three rows under min_rows 10: held even though nothing would be removed.
        harness.drop("counted/few.csv", AgentHarness.componentsCSV(seed: 8))
        let few = try waitingStatus(harness, "counted/few.csv")
        #expect((few["waiting"] as? [String: Any])?["guard"] as? String == "min_rows")
        #expect((few["message"] as? String ?? "").contains("fewer than min_rows 10"))
        let discarded = try runNexusIngest(["discard", few["jobId"] as! String], environment: harness.environment)
        #expect(discarded.status == 0, "\(discarded.output)")
        #expect(try harness.finalStatus("counted/few.csv")["status"] as? String == "FAILED")
        #expect(try harness.count("SELECT count(*) FROM price_list_component_current") == 3)
    }

    /// Every table an import writes, as one digest per table.
    func contents(_ harness: AgentHarness) throws -> [String] {
        try [
            "price_list", "price_list_item", "price_list_component_set", "price_list_component", "estimate_version",
            "raw_xact_row", "component_summary", "raw_component_row", "golden_price_update_log",
        ].map { table in
            table + " " + (try harness.connection.query(
                "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM \(table) t"
            ).first![0] ?? "")
        }
    }

    @Test func aDryRunReportsTheDiffAndLeavesTheDatabaseAsItWas() throws {
        let harness = try AgentHarness()
        let prices = harness.root + "/prices.csv"
        try Self.petlCSV((0..<5).map { (cat: "DRY", sel: "S\($0)", price: "2.00") }).write(toFile: prices, atomically: true, encoding: .utf8)
        let components = harness.root + "/parts.csv"
        try AgentHarness.componentsCSV(seed: 9).write(toFile: components, atomically: true, encoding: .utf8)
        let before = try contents(harness)

        let petl = try runNexusIngest(["import", prices, "--type", "golden-petl", "--dry-run"], environment: harness.environment)
        #expect(petl.status == 0, "\(petl.output)")
        #expect(petl.output.contains("Dry run: the golden-petl import would succeed; nothing was published"))
        #expect(petl.output.contains("diff: items: 300 current, 305 after the publish; added 5"), "\(petl.output)")
        #expect(Self.isValid(prices + ".status.json"))
        let parts = try runNexusIngest(["import", components, "--type", "golden-components", "--dry-run"], environment: harness.environment)
        #expect(parts.status == 0, "\(parts.output)")
        #expect(parts.output.contains("diff: components: 0 current, 3 after the publish; added 3"), "\(parts.output)")
        #expect(try contents(harness) == before)

        // The dry run imported nothing: the same file imports for real, not as a duplicate.
        let real = try runNexusIngest(["import", components, "--type", "golden-components"], environment: harness.environment)
        #expect(real.status == 0, "\(real.output)")
        #expect(!real.output.contains("duplicate"))
        #expect(try harness.count("SELECT count(*) FROM price_list_component_current") == 3)
    }

    @Test func xactDryRunsLeaveTheDatabaseAsItWas() throws {
        let harness = try AgentHarness()
        try harness.connection.executeScript(
            "WITH c AS (INSERT INTO company (name) VALUES ('Acme') RETURNING id) INSERT INTO project (company_id, code, name) SELECT id, 'P1', 'P1' FROM c")
        let estimate = harness.root + "/estimate.csv"
        let components = harness.root + "/components.csv"
        try FileManager.default.copyItem(atPath: Self.fixtures + "xact-raw.csv", toPath: estimate)
        try FileManager.default.copyItem(atPath: Self.fixtures + "xact-components.csv", toPath: components)
        var before = try contents(harness)
        let raw = try runNexusIngest(["import", estimate, "--type", "xact-raw", "--project", "P1", "--dry-run"], environment: harness.environment)
        #expect(raw.status == 0, "\(raw.output)")
        #expect(raw.output.contains("diff: items: 0 current"), "\(raw.output)")
        #expect(Self.isValid(estimate + ".status.json"))
        #expect(try contents(harness) == before)

        let real = try runNexusIngest(["import", estimate, "--type", "xact-raw", "--project", "P1"], environment: harness.environment)
        #expect(real.status == 0, "\(real.output)")
        before = try contents(harness)
        let parts = try runNexusIngest(["import", components, "--type", "xact-components", "--project", "P1", "--dry-run"], environment: harness.environment)
        #expect(parts.status == 0, "\(parts.output)")
        #expect(parts.output.contains("diff: components: 0 current"), "\(parts.output)")
        #expect(Self.isValid(components + ".status.json"))
        #expect(try contents(harness) == before)
        #expect(try harness.count("SELECT count(*) FROM sow_component_allocation") == 0)
    }
}
