import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of `text` as `sha256sum` prints it.
func sha256Hex(_ text: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(64))
}

/// Completion signals through a running agent: `.sha256` sidecars are verified wherever they
/// exist, `complete_when: marker` and `checksum` routes wait for their signal file, and signal
/// files are never imported.
@Suite("nexus-ingest run: completion signals", .enabled(if: testDatabaseURL != nil))
struct CompletionSignalTests {
    static let routes = [
        "golden-components=golden-components", "marked=golden-components;complete_when=marker",
        "okmarked=golden-components;complete_when=marker;marker_suffix=.ok", "summed=golden-components;complete_when=checksum",
    ].joined(separator: ",")

    /// Current components of the Golden list (what readers see).
    func published(_ harness: AgentHarness) throws -> Int {
        try harness.count("SELECT count(*) FROM price_list_component_current")
    }

    @Test func aSidecarIsVerifiedAndAMismatchPublishesNothing() throws {
        let harness = try AgentHarness()
        let agent = try harness.start(extra: ["NEXUS_INGEST_ROUTES": Self.routes])

        // A matching sidecar (written first, as senders do before renaming or after writing).
        let good = AgentHarness.componentsCSV(seed: 301)
        harness.drop("golden-components/good.csv.sha256", "\(try sha256Hex(good))  good.csv\n")
        harness.drop("golden-components/good.csv", good)
        #expect(try harness.finalStatus("golden-components/good.csv")["status"] as? String == "SUCCEEDED")
        let current = try published(harness)
        #expect(current > 0)

        // A sidecar that does not match: FAILED naming both digests, nothing published.
        let cut = AgentHarness.componentsCSV(seed: 302, rows: 2)
        let whole = AgentHarness.componentsCSV(seed: 302, rows: 5)
        harness.drop("golden-components/cut.csv.sha256", "\(try sha256Hex(whole))  cut.csv\n")
        harness.drop("golden-components/cut.csv", cut)
        let failed = try harness.finalStatus("golden-components/cut.csv")
        #expect(failed["status"] as? String == "FAILED")
        let error = failed["error"] as? [String: Any]
        #expect(error?["code"] as? String == "checksumMismatch")
        let message = error?["message"] as? String ?? ""
        let (cutDigest, wholeDigest) = (try sha256Hex(cut), try sha256Hex(whole))
        #expect(message.contains(cutDigest) && message.contains(wholeDigest), "\(message)")
        #expect(try published(harness) == current)
        #expect(try harness.count("SELECT count(*) FROM import_chunk c JOIN import_job j ON j.id = c.import_job_id WHERE j.file_name = 'cut.csv'") == 0)

        // The corrected upload imports normally.
        harness.drop("golden-components/cut.csv", whole)
        try waitUntil(seconds: 30) { harness.status("golden-components/cut.csv")?["status"] as? String == "SUCCEEDED" }

        // Sidecars are never imported themselves.
        #expect(harness.status("golden-components/good.csv.sha256") == nil)
        #expect(harness.status("golden-components/cut.csv.sha256") == nil)
        #expect(harness.stop(agent) == 0)
    }

    @Test func aMarkerRouteWaitsForItsMarker() throws {
        let harness = try AgentHarness()
        let agent = try harness.start(extra: ["NEXUS_INGEST_ROUTES": Self.routes])
        harness.drop("marked/prices.csv", AgentHarness.componentsCSV(seed: 311))
        harness.drop("okmarked/prices.csv", AgentHarness.componentsCSV(seed: 312))
        // Settled (0.5 s) several times over, and a rescan (2 s): still not planned.
        try waitUntil(seconds: 20) { harness.log(0).components(separatedBy: "waiting for the completion signal").count == 3 }
        usleep(3_000_000)
        #expect(harness.status("marked/prices.csv") == nil)
        #expect(harness.status("okmarked/prices.csv") == nil)
        #expect(harness.log(0).contains("signal=\(harness.dropRoot)/marked/prices.csv.done"))

        // A marker of the default suffix does nothing on a route that waits for `.ok`.
        harness.drop("okmarked/prices.csv.done", "")
        harness.drop("marked/prices.csv.done", "")
        #expect(try harness.finalStatus("marked/prices.csv")["status"] as? String == "SUCCEEDED")
        #expect(harness.status("okmarked/prices.csv") == nil)
        harness.drop("okmarked/prices.csv.ok", "")
        #expect(try harness.finalStatus("okmarked/prices.csv")["status"] as? String == "SUCCEEDED")
        // Markers are never imported themselves.
        #expect(harness.status("marked/prices.csv.done") == nil)
        #expect(harness.status("okmarked/prices.csv.ok") == nil)
        #expect(harness.status("okmarked/prices.csv.done") == nil)
        #expect(harness.stop(agent) == 0)
    }

    @Test func aChecksumRouteWaitsForItsSidecarAndAStaleMarkerDoesNotCount() throws {
        let harness = try AgentHarness()
        // A marker left from an earlier delivery, older than the upload.
        harness.drop("marked/again.csv.done", "")
        let old = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: harness.dropRoot + "/marked/again.csv.done")
        let agent = try harness.start(extra: ["NEXUS_INGEST_ROUTES": Self.routes])
        let text = AgentHarness.componentsCSV(seed: 321)
        harness.drop("summed/prices.csv", text)
        harness.drop("marked/again.csv", AgentHarness.componentsCSV(seed: 322))
        try waitUntil(seconds: 20) { harness.log(0).components(separatedBy: "waiting for the completion signal").count == 3 }
        usleep(2_500_000)
        #expect(harness.status("summed/prices.csv") == nil)
        #expect(harness.status("marked/again.csv") == nil)

        harness.drop("summed/prices.csv.sha256", "\(try sha256Hex(text)) *prices.csv\n")
        #expect(try harness.finalStatus("summed/prices.csv")["status"] as? String == "SUCCEEDED")
        harness.drop("marked/again.csv.done", "")  // a fresh marker
        #expect(try harness.finalStatus("marked/again.csv")["status"] as? String == "SUCCEEDED")
        #expect(harness.stop(agent) == 0)
    }
}
