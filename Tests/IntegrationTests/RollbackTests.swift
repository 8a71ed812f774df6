@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// `history` and `rollback` of each type against real imports: the previous version comes
/// back in one transaction, a second rollback goes one further, `--to` names one, the next
/// import builds on what is current, and `gc` keeps what a rollback needs.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct RollbackTests {
    /// A Golden PETL export with one item per (cat, sel, price).
    func petlCSV(_ items: [(String, String, String)]) throws -> String {
        let header = String(try String(contentsOfFile: sampleFile("golden-petl.csv"), encoding: .utf8).split(separator: "\n")[0])
        let columns = header.split(separator: ",").map(String.init)
        var text = header + "\n"
        for (index, (cat, sel, price)) in items.enumerated() {
            let values = [
                "#": String(index + 1), "Desc": "Item \(cat) \(sel)", "Qty": "1.00", "Unit Cost": price, "Unit": "SF",
                "Activity": "Replace", "Cat": cat, "Sel": sel, "Date": "3/1/2025",
            ]
            text += columns.map { values[$0] ?? "" }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Imports with the removal guard off: these tests replace whole sets on purpose.
    func load(_ fixture: PipelineFixture, _ name: String, _ text: String, type: ImportType, mode: ImportOptions.Mode = .merge, project: String? = nil) throws -> Int64 {
        let job = try fixture.runImport(
            fixture.upload(name, text), type: type,
            options: ImportOptions(mode: mode, project: project, publish: PublishPolicy(maxRemovedRatio: 1)), force: true)
        #expect(job.status == .succeeded, "\(name): \(String(describing: job.error))")
        return job.id
    }

    func rollback(_ fixture: PipelineFixture, _ type: ImportType, project: String? = nil, to: Int64? = nil) throws -> PublishHistory.Rollback {
        try PublishHistory(configuration: fixture.configuration).rollback(
            type: type, options: ImportOptions(project: project), to: to, createdBy: "test")
    }

    func history(_ fixture: PipelineFixture, _ type: ImportType, project: String? = nil) throws -> [PublishedVersion] {
        try PublishHistory(configuration: fixture.configuration).list(type: type, options: ImportOptions(project: project))
    }

    func currentPrices(_ fixture: PipelineFixture) throws -> [String] {
        try fixture.strings("SELECT cat || ' ' || sel || ' ' || unit_price FROM golden_price_list_item_current ORDER BY 1")
    }

    @Test func goldenRevisionsRollBackOneAtATimeAndTheNextMergeStartsFromTheCurrentOne() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        let replaced = try load(fixture, "a.csv", try petlCSV([("DRY", "A", "1.00"), ("DRY", "B", "2.00")]), type: .priceList, mode: .replace)
        let merged = try load(fixture, "b.csv", try petlCSV([("DRY", "A", "1.50")]), type: .priceList)
        let listed = try history(fixture, .priceList)
        #expect(listed.map(\.label) == ["revision 3", "revision 2", "revision 1"])
        #expect(listed.map(\.isCurrent) == [true, false, false])
        #expect(listed.map(\.job) == [merged, replaced, nil])
        #expect(listed.map(\.rows) == [2, 2, 5])
        #expect(listed[0].sha256?.count == 64)

        let first = try rollback(fixture, .priceList)
        #expect(first.from.label == "revision 3" && first.to.label == "revision 2")
        #expect(first.job.status == .succeeded)
        #expect(first.job.message == "Rolled back golden-petl from revision 3 to revision 2")
        #expect(first.job.meta?["rollback"]?["to"]?["job"] == .int(replaced))
        #expect(try currentPrices(fixture) == ["DRY A 1.00", "DRY B 2.00"])
        #expect(try rollback(fixture, .priceList).to.label == "revision 1")
        #expect(try currentPrices(fixture).count == 5)
        #expect(throws: ImportFailure.self) { try rollback(fixture, .priceList) }  // nothing older

        // Forward again by job, then a merge builds on the revision that is current.
        #expect(try rollback(fixture, .priceList, to: replaced).to.label == "revision 2")
        #expect(throws: ImportFailure.self) { try rollback(fixture, .priceList, to: replaced) }  // current already
        _ = try load(fixture, "c.csv", try petlCSV([("WTR", "C", "3.00")]), type: .priceList)
        #expect(try currentPrices(fixture) == ["DRY A 1.00", "DRY B 2.00", "WTR C 3.00"])
    }

    @Test func componentSetsRollBackAndGcKeepsThePublishedOnes() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        var sets: [Int64] = []
        var contents: [[String]] = []
        for quantity in ["1", "2", "3"] {
            let csv = "Cat,Sel,Code,Description,Quantity,Material\nDRY,1/2,PART,Part,\(quantity),1.00\n"
            sets.append(try load(fixture, "set\(quantity).csv", csv, type: .priceListComponents))
            contents.append(try fixture.currentComponents())
        }
        #expect(Set(contents).count == 3)
        #expect(try history(fixture, .priceListComponents).map(\.job) == sets.reversed())

        #expect(try rollback(fixture, .priceListComponents).to.job == sets[1])
        #expect(try fixture.currentComponents() == contents[1])
        #expect(try rollback(fixture, .priceListComponents).to.job == sets[0])
        #expect(try fixture.currentComponents() == contents[0])

        // gc with keep_published 3 keeps all three; the current set always stays.
        var configuration = fixture.configuration
        let report = try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 168)
        #expect(report.first { $0.what == "replaced Golden component sets" }?.count == 0)
        #expect(try rollback(fixture, .priceListComponents, to: sets[2]).to.job == sets[2])
        #expect(try fixture.currentComponents() == contents[2])
        configuration.agent.keepPublished = 2
        let trimmed = try GarbageCollector(configuration: configuration).run(dryRun: false, failedOlderThanHours: 168)
        #expect(trimmed.first { $0.what == "replaced Golden component sets" }?.count == 1)
        #expect(try history(fixture, .priceListComponents).map(\.job) == [sets[2], sets[1]])
        #expect(try fixture.currentComponents() == contents[2])
    }

    @Test func estimateVersionsAndTheirComponentSetsRollBack() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        let small = XactEstimateGenerator(lines: 40, units: 3, roomsPerUnit: 2, components: 20, seed: 1)
        let large = XactEstimateGenerator(lines: 60, units: 3, roomsPerUnit: 2, components: 30, seed: 2)
        let first = try load(fixture, "e1.csv", String(decoding: small.estimateCSV(), as: UTF8.self), type: .xactRaw, project: "P1")
        let firstVersion = try #require(try fixture.currentVersion())
        let second = try load(fixture, "e2.csv", String(decoding: large.estimateCSV(), as: UTF8.self), type: .xactRaw, project: "P1")
        let secondVersion = try #require(try fixture.currentVersion())
        #expect(try history(fixture, .xactRaw, project: "P1").map(\.job) == [second, first])

        // Components of the second version: two sets, the later one current.
        let c1 = try load(fixture, "c1.csv", String(decoding: large.componentsCSV(), as: UTF8.self), type: .xactComponents, project: "P1")
        let current1 = try fixture.strings("SELECT code || ' ' || coalesce(total::text, '∅') FROM component_summary_current ORDER BY 1")
        let c2 = try load(
            fixture, "c2.csv", "Code,Description,Quantity,Unit,Unit Price,Total\nONLY,One,1,EA,2.00,2.00\n", type: .xactComponents, project: "P1")
        #expect(try history(fixture, .xactComponents, project: "P1").map(\.job) == [c2, c1])
        #expect(try rollback(fixture, .xactComponents, project: "P1").to.job == c1)
        #expect(try fixture.strings("SELECT code || ' ' || coalesce(total::text, '∅') FROM component_summary_current ORDER BY 1") == current1)
        #expect(try fixture.count("SELECT count(*) FROM sow_component_allocation_current") > 0)
        #expect(throws: ImportFailure.self) { try rollback(fixture, .xactComponents, project: "P1") }

        // The estimate: back to the first version (the second is withdrawn, not removed), and
        // forward again by job.
        let back = try rollback(fixture, .xactRaw, project: "P1")
        #expect(back.to.job == first)
        #expect(try fixture.currentVersion() == firstVersion)
        let listed = try history(fixture, .xactRaw, project: "P1")
        #expect(listed.map(\.isWithdrawn) == [true, false])
        #expect(listed.map(\.isCurrent) == [false, true])
        #expect(throws: ImportFailure.self) { try rollback(fixture, .xactRaw, project: "P1") }
        #expect(try rollback(fixture, .xactRaw, project: "P1", to: second).to.job == second)
        #expect(try fixture.currentVersion() == secondVersion)
        #expect(try fixture.count("SELECT count(*) FROM import_job WHERE meta_json ? 'rollback'") == 3)
    }
}
