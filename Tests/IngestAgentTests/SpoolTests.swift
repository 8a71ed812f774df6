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
        #expect(try spool.claim(job: nil, owner: ClaimOwner(host: "early", pid: 1, agent: nil)).map { _ in true } == nil)  // nothing is claimable before the plan is published
        try spool.publish(job: 7, chunkIndexes: Array(0..<50))
        #expect(fileSystem.files(in: "/spool/ready").count == 50)
        #expect(try fileSystem.list("/spool/tmp").isEmpty)

        let claims = Mutex<[Int]>([])
        runOnThreads(count: 8) { worker in
            while let chunk = try? spool.claim(job: nil, owner: ClaimOwner(host: "host", pid: 1, agent: 3, worker: worker)) {
                claims.withLock { $0.append(chunk.chunkIndex) }
            }
        }
        #expect(claims.withLock { $0.sorted() } == Array(0..<50))
        #expect(fileSystem.files(in: "/spool/ready").isEmpty)
        #expect(fileSystem.files(in: "/spool/claimed").count == 50)
        #expect(fileSystem.files(in: "/spool/claimed").allSatisfy { $0.contains("@host:1:a3:") })
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

        let mine = try #require(try spool.claim(job: 2, owner: ClaimOwner(host: "cli", pid: 9, agent: nil)))
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
        _ = try spool.claim(job: 1, owner: ClaimOwner(host: "agent", pid: 1, agent: 4, worker: 0))
        #expect(try spool.purge(job: 1) == 3)
        #expect(try spool.purge(job: 3) == 2)
        #expect(try spool.jobsWithFiles().isEmpty)
    }

    @Test func aRenameWhoseReplyWasLostStillWinsTheClaim() throws {
        // Over NFS a rename is retried after a lost reply; the retry reports ENOENT although
        // the first one moved the file. Every chunk is still claimed, once, by the one that
        // moved it.
        let fileSystem = InMemoryFileSystem()
        let spool = Spool(root: "/spool", fileSystem: fileSystem)
        try spool.create()
        try Self.planned(job: 5, chunks: 0..<40, on: fileSystem, spool: spool)
        try spool.publish(job: 5, chunkIndexes: Array(0..<40))
        fileSystem.losesRenameReplies = true
        let claims = Mutex<[Int: Int]>([:])
        runOnThreads(count: 4) { worker in
            let owner = ClaimOwner(host: "nfs", pid: 2, agent: 9, worker: worker)
            while let chunk = try? spool.claim(job: nil, owner: owner) {
                #expect(chunk.path.hasSuffix("@nfs:2:a9:\(worker)") && chunk.owner == owner)
                claims.withLock { $0[chunk.chunkIndex, default: 0] += 1 }
            }
        }
        #expect(claims.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<40).map { ($0, 1) }))
        #expect(fileSystem.files(in: "/spool/claimed").count == 40)
    }

    @Test func claimsOfAProcessGoBackToReady() throws {
        let fileSystem = InMemoryFileSystem()
        let spool = Spool(root: "/spool", fileSystem: fileSystem)
        try spool.create()
        try Self.planned(job: 6, chunks: 0..<2, on: fileSystem, spool: spool)
        try spool.publish(job: 6, chunkIndexes: [0, 1])
        let owner = ClaimOwner(host: "h1", pid: 1, agent: 12, worker: 0)
        _ = try #require(try spool.claim(job: 6, owner: owner))
        let claims = try spool.claims()
        #expect(claims.map(\.owner) == [owner] && claims.map(\.index) == [0])
        #expect(try spool.unclaim(claims[0].name))
        #expect(try !spool.unclaim(claims[0].name))  // moved already: someone else was first
        #expect(fileSystem.files(in: "/spool/ready") == [Spool.chunkFileName(job: 6, index: 0), Spool.chunkFileName(job: 6, index: 1)])
    }

    @Test func ownersRoundTripAndOlderOnesStillParse() {
        let owner = ClaimOwner(host: "ingest-2", pid: 812, agent: 31, worker: 3)
        #expect(owner.description == "ingest-2:812:a31:3")
        #expect(ClaimOwner(parsing: owner.description) == owner)
        #expect(owner.process.description == "ingest-2:812:a31")
        #expect(ClaimOwner(parsing: "ingest-2:812:a31") == owner.process)
        #expect(ClaimOwner(parsing: "old-host:77:1") == ClaimOwner(host: "old-host", pid: 77, agent: nil, worker: 1))
        #expect(ClaimOwner(parsing: "old-host:77") == ClaimOwner(host: "old-host", pid: 77, agent: nil))
        for bad in ["", "host", "host:x", ":1", "host:1:ax", "host:1:a2:x", "host:1:2:3", "host:1:a2:3:4"] {
            #expect(ClaimOwner(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func chunkFileNamesRoundTrip() {
        #expect(Spool.chunkFileName(job: 12, index: 3) == "job-12-chunk-00003.csv")
        #expect(Spool.parseChunkFileName("job-12-chunk-00003.csv@host:5:1")! == (12, 3))
        #expect(Spool.parseChunkFileName("job-x-chunk-1.csv") == nil)
        #expect(Spool.parseChunkFileName("notes.txt") == nil)
    }
}
