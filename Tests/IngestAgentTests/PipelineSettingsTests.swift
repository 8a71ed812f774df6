@testable import IngestAgent
import Testing

@Suite("Pipeline settings")
struct PipelineSettingsTests {
    @Test func environmentSetsThePipelineKeys() throws {
        let configuration = try ConfigurationLoader.load(configPath: nil, environment: [
            "NEXUS_INGEST_SPOOL_DIR": "/tmp/s", "NEXUS_INGEST_WORKERS": "3", "NEXUS_INGEST_CHUNKS": "5",
            "NEXUS_INGEST_MAX_REJECTS": "10", "NEXUS_INGEST_MAX_REJECT_RATIO": "0.25",
        ])
        #expect(configuration.pipeline.spoolDirectory == "/tmp/s")
        #expect(configuration.pipeline.workers == 3)
        #expect(configuration.pipeline.chunks == .fixed(5))
        #expect(configuration.pipeline.maxRejects == 10)
        #expect(configuration.pipeline.maxRejectRatio == 0.25)
    }

    @Test func badChunksAreRefused() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configPath: nil, environment: ["NEXUS_INGEST_CHUNKS": "many"])
        }
    }

    @Test func autoChunksFollowSizeInWholeRoundsOfWorkersUpTo256() {
        let settings = PipelineSettings(spoolDirectory: "/s", workers: 4, chunkTargetBytes: 100)
        #expect(settings.partitionCount(fileSize: 0) == 4)
        #expect(settings.partitionCount(fileSize: 800) == 8)
        #expect(settings.partitionCount(fileSize: 1_000) == 12)
        #expect(settings.partitionCount(fileSize: 1_000_000) == 256)
        let two = PipelineSettings(spoolDirectory: "/s", workers: 2, chunkTargetBytes: 64 << 20)
        #expect(two.partitionCount(fileSize: 277_000_000) == 6)
        #expect(two.partitionCount(fileSize: 101_000_000) == 2)
        let three = PipelineSettings(spoolDirectory: "/s", workers: 3, chunkTargetBytes: 100)
        #expect(three.partitionCount(fileSize: 1_000_000) == 255)
        let many = PipelineSettings(spoolDirectory: "/s", workers: 300, chunkTargetBytes: 100)
        #expect(many.partitionCount(fileSize: 0) == 256)
        var fixed = settings
        fixed.chunks = .fixed(3)
        #expect(fixed.partitionCount(fileSize: 1_000_000) == 3)
    }

    @Test func rejectsFailOnlyBeyondBothLimits() {
        var settings = PipelineSettings(spoolDirectory: "/s", workers: 1)
        #expect(!settings.rejectsExceedLimits(rejects: 0, dataRows: 10))
        #expect(settings.rejectsExceedLimits(rejects: 1, dataRows: 1_000_000))
        settings.maxRejects = 5
        #expect(!settings.rejectsExceedLimits(rejects: 5, dataRows: 10))
        #expect(settings.rejectsExceedLimits(rejects: 6, dataRows: 10))
        settings.maxRejects = 0
        settings.maxRejectRatio = 0.01
        #expect(!settings.rejectsExceedLimits(rejects: 10, dataRows: 1_000))
        #expect(settings.rejectsExceedLimits(rejects: 11, dataRows: 1_000))
    }

    @Test func backoffDoublesAndCaps() {
        let settings = PipelineSettings(spoolDirectory: "/s", workers: 1, initialBackoffMilliseconds: 100)
        #expect((1...4).map { settings.backoffMilliseconds(attempt: $0) } == [100, 200, 400, 800])
        #expect(settings.backoffMilliseconds(attempt: 40) == 30_000)
    }

    @Test func chunkFileNamesRoundTrip() {
        let name = Spool.chunkFileName(job: 42, index: 7)
        #expect(name == "job-42-chunk-00007.csv")
        #expect(Spool.parseChunkFileName(name)! == (42, 7))
        #expect(Spool.parseChunkFileName(name + "@host.12.3")! == (42, 7))
        #expect(Spool.parseChunkFileName("notes.txt") == nil)
        #expect(Spool.parseChunkFileName("job-x-chunk-1.csv") == nil)
    }
}
