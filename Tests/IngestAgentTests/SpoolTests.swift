@testable import IngestAgent
import Synchronization
import Testing

/// The spool's claim logic against an in-memory file system: a published chunk is claimed by
/// exactly one of many racing workers, a job's claims stay its own, and removals touch only
/// what they name.
@Suite("Spool and claims")
struct SpoolTests {
    /// A spool with `chunks` chunk files of `job` planned in tmp/.
    static func planned(job: Int64, chunks: Range<Int>, on fileSystem: InMemoryFileSystem, spool: Spool) throws {
        try fileSystem.makeDirectories(spool.tmpDirectory(job: job))
        for index in chunks { fileSystem.write(spool.tmpDirectory(job: job) + "/" + Spool.chunkFileName(job: job, index: index), "\(index)") }
    }

    @Test func aPublishedChunkIsClaimedByExactlyOneOfManyWorkers() throws {
        let fileSystem = InMemoryFileSystem()
        let spool = Spool(root: "/spool", fileSystem: fileSystem)
        try spool.create()
        try Self.planned(job: 7, chunks: 0..<50, on: fileSystem, spool: spool)
        #expect(try spool.claim(job: nil, owner: "early").map { _ in true } == nil)  // nothing is claimable before the plan is published
        try spool.publish(job: 7, chunkIndexes: Array(0..<50))
        #expect(fileSystem.files(in: "/spool/ready").count == 50)
        #expect(try fileSystem.list("/spool/tmp").isEmpty)

        let claims = Mutex<[Int]>([])
        runOnThreads(count: 8) { worker in
            while let chunk = try? spool.claim(job: nil, owner: "host:1:\(worker)") {
                claims.withLock { $0.append(chunk.chunkIndex) }
            }
        }
        #expect(claims.withLock { $0.sorted() } == Array(0..<50))
        #expect(fileSystem.files(in: "/spool/ready").isEmpty)
        #expect(fileSystem.files(in: "/spool/claimed").count == 50)
        #expect(fileSystem.files(in: "/spool/claimed").allSatisfy { $0.contains("@host:1:") })
    }

    @Test func claimsForOneJobLeaveTheOthersAndRemovalsTouchOnlyTheirJob() throws {
        let fileSystem = InMemoryFileSystem()
        let spool = Spool(root: "/spool", fileSystem: fileSystem)
        try spool.create()
        for job: Int64 in [1, 2] {
            try Self.planned(job: job, chunks: 0..<3, on: fileSystem, spool: spool)
            try spool.publish(job: job, chunkIndexes: [0, 1, 2])
        }
        try Self.planned(job: 3, chunks: 0..<2, on: fileSystem, spool: spool)  // planned, not published

        let mine = try #require(try spool.claim(job: 2, owner: "cli:9"))
        #expect(mine.jobId == 2 && mine.chunkIndex == 0)
        #expect(mine.path == "/spool/claimed/job-2-chunk-00000.csv@cli:9")
        #expect(try spool.jobsWithFiles() == [1, 2, 3])
        #expect(try spool.countFiles(job: 2) == 3)

        // A failed job's ready chunks go; the one a worker holds stays until it is released.
        try spool.discard(job: 2)
        #expect(fileSystem.files(in: "/spool/ready") == (0..<3).map { Spool.chunkFileName(job: 1, index: $0) })
        #expect(fileSystem.files(in: "/spool/claimed") == ["job-2-chunk-00000.csv@cli:9"])
        try spool.release(mine)
        #expect(fileSystem.files(in: "/spool/claimed").isEmpty)
        // An ended job's files go, claimed ones too, and its tmp directory.
        _ = try spool.claim(job: 1, owner: "agent:1:0")
        #expect(try spool.purge(job: 1) == 3)
        #expect(try spool.purge(job: 3) == 2)
        #expect(try spool.jobsWithFiles().isEmpty)
    }

    @Test func chunkFileNamesRoundTrip() {
        #expect(Spool.chunkFileName(job: 12, index: 3) == "job-12-chunk-00003.csv")
        #expect(Spool.parseChunkFileName("job-12-chunk-00003.csv@host:5:1")! == (12, 3))
        #expect(Spool.parseChunkFileName("job-x-chunk-1.csv") == nil)
        #expect(Spool.parseChunkFileName("notes.txt") == nil)
    }
}
