@testable import IngestAgent
import Importers
import Testing

@Suite("Agent rules")
struct AgentRulesTests {
    @Test(arguments: [
        (".upload.csv", "hidden"), ("a.csv.part", "temporary upload name"), ("a.csv.filepart", "temporary upload name"),
        ("a.tmp", "temporary upload name"), ("a.csv.partial", "temporary upload name"), ("a.csv~", "temporary upload name"),
        ("a.csv.status.json", "nexus-ingest output"), ("a.csv.rejects.csv", "nexus-ingest output"),
    ])
    func ignoredNames(name: String, reason: String) {
        #expect(DropFilter.reasonToIgnore(name) == reason)
    }

    @Test func uploadNamesPass() {
        #expect(DropFilter.reasonToIgnore("pricelist-1712.csv") == nil)
        #expect(DropFilter.reasonToIgnore("components export.CSV") == nil)
    }

    @Test func defaultRoutes() throws {
        let routes = try RouteTable(entries: ImporterRegistry.standard.defaultRoutes)
        #expect(routes.match(directory: ["golden-petl"]) == RouteTable.Match(type: .priceList, options: ImportOptions(mode: .merge)))
        #expect(routes.match(directory: ["golden-petl", "replace"])?.options.mode == .replace)
        #expect(routes.match(directory: ["golden-components"])?.type == .priceListComponents)
        #expect(routes.match(directory: ["xact-raw", "P-17"]) == RouteTable.Match(type: .xactRaw, options: ImportOptions(project: "P-17")))
        #expect(routes.match(directory: ["xact-components", "P-17"])?.type == .xactComponents)
        #expect(routes.match(directory: []) == nil)
        #expect(routes.match(directory: ["xact-raw"]) == nil)
        #expect(routes.match(directory: ["xact-raw", "P", "deeper"]) == nil)
        #expect(routes.match(directory: ["xact-raw", ".hidden"]) == nil)
        #expect(routes.covers(directory: ["xact-raw"]))
        #expect(routes.covers(directory: ["golden-petl", "replace"]))
        #expect(!routes.covers(directory: ["elsewhere"]))
    }

    @Test func malformedRoutesAreRefused() {
        #expect(throws: ConfigurationError.self) { try RouteTable(entries: ["golden-petl"]) }
        #expect(throws: ConfigurationError.self) { try RouteTable(entries: ["x=nope"]) }
        #expect(throws: ConfigurationError.self) { try RouteTable(entries: ["x=golden-petl:sideways"]) }
        #expect(throws: ConfigurationError.self) { try RouteTable(entries: ["../x=golden-petl"]) }
    }

    @Test func settleNeedsAQuietPeriod() {
        var tracker = CandidateTracker()
        var files: [String: (size: Int64, mtime: Int64)] = ["/d/a.csv": (10, 1)]
        tracker.note("/d/a.csv", size: 10, mtime: 1, now: 0)
        #expect(tracker.settled(now: 1000, settle: 2000) { files[$0] }.isEmpty)
        files["/d/a.csv"] = (20, 2)  // still growing
        #expect(tracker.settled(now: 2500, settle: 2000) { files[$0] }.isEmpty)
        #expect(tracker.settled(now: 4000, settle: 2000) { files[$0] }.isEmpty)
        #expect(tracker.settled(now: 4500, settle: 2000) { files[$0] } == ["/d/a.csv"])
        files["/d/a.csv"] = nil  // deleted: forgotten
        #expect(tracker.settled(now: 9000, settle: 2000) { files[$0] }.isEmpty)
        #expect(tracker.count == 0)
    }

    @Test func prometheusText() {
        let metrics = AgentMetrics()
        metrics.fileSeen()
        metrics.jobFinished(status: "SUCCEEDED", rejects: 2, at: 1_700_000_000)
        let text = metrics.render(readyChunks: 3, planQueue: 1)
        #expect(text.contains("nexus_ingest_files_seen_total 1\n"))
        #expect(text.contains("nexus_ingest_jobs_finished_total{status=\"SUCCEEDED\"} 1\n"))
        #expect(text.contains("nexus_ingest_rejected_rows_total 2\n"))
        #expect(text.contains("nexus_ingest_ready_chunks 3\n"))
        #expect(text.contains("# TYPE nexus_ingest_last_success_timestamp_seconds gauge\n"))
    }

    @Test func logValuesAreQuotedWhenNeeded() {
        #expect(LineLogHandler.quoted("plain") == "plain")
        #expect(LineLogHandler.quoted("two words") == "\"two words\"")
        #expect(LineLogHandler.quoted("a\"b c") == "\"a\\\"b c\"")
        #expect(LineLogHandler.quoted("") == "\"\"")
        // A file name cannot forge a second line, whatever its line ends or controls.
        #expect(LineLogHandler.quoted("a\r\nlevel=error msg=forged") == "\"a\\r\\nlevel=error msg=forged\"")
        #expect(LineLogHandler.quoted("tab\there\u{1}") == "\"tab\\there\\u{1}\"")
        #expect(LineLogHandler.quoted("back\\slash") == "\"back\\\\slash\"")
    }
}
