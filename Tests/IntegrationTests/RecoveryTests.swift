@testable import IngestAgent
import IngestCore
import IngestPostgres
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Recovery of claims", .enabled(if: TestDatabase.isConfigured))
struct RecoveryTests {
    /// Owners written before the registry: a local pid that is gone, or another host's claim
    /// past the lease.
    @Test func deadLocalAndExpiredForeignClaimsReturnDoneOnesAreRemoved() throws {
        let fixture = try PipelineFixture()
        let spool = Spool(root: fixture.settings.spoolDirectory)
        try spool.create()
        let ledger = JobLedger(connection: fixture.connection)
        let job = try ledger.createJob(type: .priceListComponents, target: "golden", path: "/x.csv", fileName: "x.csv", size: 1, createdBy: "test")
        try fixture.connection.query("UPDATE import_job SET total_chunks = 4, completed_chunks = 1 WHERE id = $1", job)
        try fixture.connection.executeScript(
            """
            INSERT INTO import_chunk (import_job_id, chunk_index, state, started_at) VALUES
                (\(job), 0, 'PENDING', now() - interval '2 hours'),
                (\(job), 1, 'DONE', now() - interval '2 hours'),
                (\(job), 2, 'PENDING', now()),
                (\(job), 3, 'PENDING', now());
            """)
        let host = Files.hostName()
        let claims = [
            (0, "otherhost:42:0"),  // another host, held for 2 hours: taken over
            (1, "otherhost:42:1"),  // another host, but already DONE: the file is a leftover
            (2, "otherhost:42:0"),  // another host, claimed just now: left alone
            (3, "\(host):999999:0"),  // this host, a process that does not exist: returned
        ]
        for (index, owner) in claims {
            let path = "\(spool.claimedDirectory)/\(Spool.chunkFileName(job: job, index: index))@\(owner)"
            let fd = open(path, O_WRONLY | O_CREAT, 0o600)
            close(fd)
        }
        var configuration = fixture.configuration
        configuration.agent.claimLeaseSeconds = 600
        _ = try Recovery(
            configuration: configuration, connection: fixture.connection, spool: spool,
            owner: ClaimOwner(host: host, pid: getpid(), agent: nil), logger: Logger(label: "test")
        ).run()
        #expect(try Files.list(spool.readyDirectory).sorted() == [
            Spool.chunkFileName(job: job, index: 0), Spool.chunkFileName(job: job, index: 3),
        ])
        #expect(try Files.list(spool.claimedDirectory) == ["\(Spool.chunkFileName(job: job, index: 2))@otherhost:42:0"])
    }
}
