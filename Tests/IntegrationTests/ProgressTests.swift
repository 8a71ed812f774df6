@testable import IngestAgent
import IngestCore
import Testing

/// Progress while chunks load, read back from the status file as other tools read it.
@Suite("Progress within chunks", .enabled(if: TestDatabase.isConfigured))
struct ProgressTests {
    /// What the status file said after each rewrite.
    final class Observed: @unchecked Sendable {
        var documents: [StatusDocument] = []
    }

    @Test func anOlderJobsLateWriteNeverReplacesTheStatusOfANewerOne() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let path = fixture.upload("twice.csv", ComponentsFileGenerator.generate(rows: 200, seed: 8).csv)
        let runner = ImportRunner(configuration: fixture.configuration)
        let first = try runner.run(path: path, type: .priceListComponents, createdBy: "test")
        let second = try runner.run(path: path, type: .priceListComponents, force: true, createdBy: "test")
        #expect(second.id > first.id)
        // The first job's status, written late (another host failing its interrupted plan).
        try StatusFileWriter.write(first)
        #expect(try StatusFileWriter.read(path + ".status.json").jobId == String(second.id))
    }

    @Test func theStatusFileMovesWhileTwoChunksLoad() throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let rows = 300_000
        let path = fixture.upload("progress.csv", ComponentsFileGenerator.generate(rows: rows, seed: 5).csv)
        fixture.settings.workers = 2
        fixture.settings.chunks = .fixed(2)
        fixture.settings.statusIntervalMilliseconds = 50
        let observed = Observed()
        let job = try ImportRunner(configuration: fixture.configuration).run(
            path: path, type: .priceListComponents, createdBy: "test",
            onProgress: { _ in
                if let document = try? StatusFileWriter.read(path + ".status.json") { observed.documents.append(document) }
            })
        #expect(job.status == .succeeded, "\(String(describing: job.error))")

        let documents = observed.documents
        let progress = documents.map(\.progress)
        #expect(progress == progress.sorted(), "progress went backwards: \(progress)")
        let loading = documents.filter { $0.status == .running && $0.progress > 10 && $0.progress < 100 }
        #expect(Set(loading.map(\.progress)).count >= 3, "progress while loading: \(progress)")
        // Rows move before the first chunk commits: the status no longer waits for a chunk to end
        // (judged on every running document: on a loaded machine the few rewrites seen before
        // the first commit may all still be at the planning's share of the progress).
        let withinChunks = documents.filter {
            $0.status == .running && ($0.completedChunks ?? 0) == 0 && ($0.rows?.loaded ?? 0) > 0
        }
        #expect(!withinChunks.isEmpty, "rows loaded before any chunk was done: \(documents.map { ($0.completedChunks, $0.rows?.loaded) })")
        let loaded = documents.compactMap(\.rows?.loaded)
        #expect(loaded == loaded.sorted())

        let final = try StatusFileWriter.read(path + ".status.json")
        #expect(final.schemaVersion == 3)
        #expect(final.progress == 100)
        #expect(final.rows == StatusDocument.Rows(loaded: rows, total: rows))
        #expect(fixture.validateStatusFile(path + ".status.json"))
    }
}
