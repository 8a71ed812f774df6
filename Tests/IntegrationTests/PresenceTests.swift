@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL as the judge of who is alive (several hosts, one spool): a registered process
/// whose connection the server dropped is gone at once; another agent takes over its claims
/// and jobs, exactly once; the ledger refuses the late work of a claimant that is gone.
@Suite("Presence of agents", .enabled(if: TestDatabase.isConfigured))
struct PresenceTests {
    /// Ends the server session that holds `agent`'s presence lock, as a crash, a kill -9 or a
    /// dropped TCP connection (keepalive) would.
    static func dropSession(of agent: Int64, _ fixture: PipelineFixture) throws {
        let ended = try fixture.connection.query(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND classid = \(AgentRegistry.agentKey)::oid AND objid = $1::bigint::oid
            """, agent
        ).first?.require(0, as: Int.self)
        #expect(ended == 1)
        try waitUntilGone(agent, fixture)
    }

    /// A session that ended (terminated, or closed by its client) leaves the server shortly after.
    static func waitUntilGone(_ agent: Int64, _ fixture: PipelineFixture) throws {
        for _ in 0..<100 where try AgentRegistry(connection: fixture.connection).live().contains(agent) { usleep(20_000) }
    }

    static func presence(_ fixture: PipelineFixture, host: String, kind: String = "agent") -> Presence {
        Presence(kind: kind, host: host, conninfo: TestDatabase.url!, schema: fixture.schema)
    }

    @Test func aProcessIsAliveExactlyAsLongAsItsSessionAndIsListedWithWhatItHolds() throws {
        let fixture = try PipelineFixture()
        let registry = AgentRegistry(connection: fixture.connection)
        let first = Self.presence(fixture, host: "h1")
        let second = Self.presence(fixture, host: "h2", kind: "import")
        let one = try first.register()
        let two = try second.register()
        #expect(one.agent != two.agent && first.owner == one)
        #expect(try registry.live().isSuperset(of: [one.agent!, two.agent!]))
        let listed = try registry.list()
        #expect(listed.map(\.host) == ["h1", "h2"] && listed.map(\.kind) == ["agent", "import"])
        #expect(listed.allSatisfy { $0.version == ProductVersion.current && $0.pid == getpid() && $0.chunksHeld == 0 })

        try Self.dropSession(of: one.agent!, fixture)
        #expect(try !registry.live().contains(one.agent!))
        #expect(try registry.lost() == [one.agent!])
        #expect(try registry.list().map(\.id) == [two.agent!])
        // The watcher of the lost session notices, and a new registration is a new id.
        #expect(!first.watch(milliseconds: 1000, logger: Logger(label: "test")))
        #expect(first.owner == nil)
        let again = try first.register()
        #expect(again.agent! > two.agent!)

        // A graceful end is recorded and releases the lock.
        second.end()
        try Self.waitUntilGone(two.agent!, fixture)
        #expect(try !registry.live().contains(two.agent!))
        #expect(try registry.lost() == [one.agent!])
        first.end()
    }

    @Test func importAndRetryRegisterAgainWhenTheServerDroppedThem() throws {
        let fixture = try PipelineFixture()
        let presence = Self.presence(fixture, host: "cli", kind: "import")
        let first = try presence.register()
        let unchanged = try presence.renewed()
        #expect(unchanged.owner == first && unchanged.replaced == nil)
        try Self.dropSession(of: first.agent!, fixture)  // a database restart, say
        let renewed = try presence.renewed()
        #expect(renewed.replaced == first && renewed.owner.agent! > first.agent!)
        #expect(try AgentRegistry(connection: fixture.connection).live().contains(renewed.owner.agent!))
        presence.end()
    }

    @Test func anotherAgentTakesOverTheClaimsAndJobsOfAProcessThatIsGoneOnce() throws {
        let fixture = try PipelineFixture()
        let spool = Spool(root: fixture.settings.spoolDirectory)
        try spool.create()
        let ledger = JobLedger(connection: fixture.connection)
        let lost = Self.presence(fixture, host: "h1")
        let survivor = Self.presence(fixture, host: "h2")
        let other = Self.presence(fixture, host: "h3")
        let gone = try lost.register()
        let heir = try survivor.register()
        let bystander = try other.register()
        defer {
            survivor.end()
            other.end()
        }

        // A job h1 planned, with one chunk claimed by one of its workers and one loaded.
        let loading = try ledger.createJob(
            type: .priceListComponents, target: "golden", path: "/up/a.csv", fileName: "a.csv", size: 1, owner: gone, createdBy: "test")
        try fixture.connection.query("UPDATE import_job SET total_chunks = 2, completed_chunks = 1 WHERE id = $1", loading)
        try fixture.connection.executeScript(
            "INSERT INTO import_chunk (import_job_id, chunk_index, state) VALUES (\(loading), 0, 'PENDING'), (\(loading), 1, 'DONE')")
        let claimed = "\(spool.claimedDirectory)/\(Spool.chunkFileName(job: loading, index: 0))@\(gone.worker(1))"
        close(open(claimed, O_WRONLY | O_CREAT, 0o600))
        // A job h1 was planning when it went: no plan recorded.
        let planning = try ledger.createJob(
            type: .priceListComponents, target: "golden", path: "/up/b.csv", fileName: "b.csv", size: 1, owner: gone, createdBy: "test")
        // h3's claim stays h3's.
        let kept = "\(spool.claimedDirectory)/\(Spool.chunkFileName(job: loading, index: 1))@\(bystander.worker(0))"
        close(open(kept, O_WRONLY | O_CREAT, 0o600))

        func recover(as owner: ClaimOwner) throws -> Recovery.Outcome {
            try Recovery(configuration: fixture.configuration, connection: fixture.connection, spool: spool, owner: owner, logger: Logger(label: "test")).run()
        }
        let whileAlive = try recover(as: heir)
        #expect(whileAlive.changedJobs.isEmpty && whileAlive.returnedClaims == 0)
        #expect(Set(whileAlive.runningJobs) == [loading, planning])
        #expect(fixture.exists(claimed))

        try Self.dropSession(of: gone.agent!, fixture)
        let takeover = try recover(as: heir)
        #expect(takeover.returnedClaims == 1)
        #expect(Set(takeover.changedJobs) == [loading, planning])
        #expect(takeover.replan == ["/up/b.csv"])
        #expect(try Files.list(spool.readyDirectory) == [Spool.chunkFileName(job: loading, index: 0)])
        // A claim file of a DONE chunk is a leftover; h3's, alive, is untouched.
        #expect(fixture.exists(kept))
        #expect(try ledger.job(loading)?.agentId == heir.agent && ledger.job(loading)?.owner == heir.description)
        #expect(try ledger.snapshot(planning)?.status == .failed && ledger.snapshot(planning)?.error?["code"] == "interrupted")
        #expect(try fixture.connection.query("SELECT ended_by FROM ingest_agent WHERE id = $1", gone.agent!).first?.require(0, as: Int64.self) == heir.agent)
        // Nothing is taken over twice: the next round (or another agent's) finds nothing to do.
        let second = try recover(as: bystander)
        #expect(second.changedJobs.isEmpty && second.returnedClaims == 0 && second.replan.isEmpty)
        #expect(second.runningJobs == [loading])
    }

    @Test func theLedgerRefusesTheLateWorkOfAClaimantThatIsGone() throws {
        let fixture = try PipelineFixture()
        let ledger = JobLedger(connection: fixture.connection)
        let partitioned = Self.presence(fixture, host: "h1")
        let survivor = Self.presence(fixture, host: "h2")
        let first = try partitioned.register().worker(0)
        let second = try survivor.register().worker(0)
        defer { survivor.end() }
        let job = try ledger.createJob(
            type: .priceListComponents, target: "golden", path: "/up/c.csv", fileName: "c.csv", size: 1, owner: first.process, createdBy: "test")
        try fixture.connection.query("UPDATE import_job SET total_chunks = 1, completed_chunks = 0 WHERE id = $1", job)
        try fixture.connection.executeScript("INSERT INTO import_chunk (import_job_id, chunk_index) VALUES (\(job), 0)")

        guard case .load(_, let early) = try ledger.startChunk(job: job, index: 0, owner: first) else {
            Issue.record("h1 could not start its attempt")
            return
        }
        try Self.dropSession(of: first.agent!, fixture)
        // Gone in the database's eyes: h1 starts nothing more, and h2's attempt overtakes its.
        #expect(try { if case .superseded = try ledger.startChunk(job: job, index: 0, owner: first) { true } else { false } }())
        guard case .load(_, let late) = try ledger.startChunk(job: job, index: 0, owner: second) else {
            Issue.record("h2 could not start its attempt")
            return
        }
        #expect(late == early + 1)
        // h1's load, when its link comes back, is refused; h2's counts.
        func lock(_ attempt: Int) throws -> JobLedger.ChunkLock {
            try fixture.connection.transaction { connection in try JobLedger(connection: connection).lockPendingChunk(job: job, index: 0, attempt: attempt) }
        }
        #expect(try lock(early) == .superseded)
        #expect(try lock(late) == .current)
        // A failure h1 reports late (its connection broke mid-load) fails nothing.
        try ledger.failChunk(job: job, index: 0, attempt: early, owner: first, ImportFailure(code: .chunkFailed, message: "connection lost"))
        #expect(try ledger.snapshot(job)?.status == .running)
        #expect(try fixture.connection.query("SELECT state, agent_id FROM import_chunk WHERE import_job_id = $1", job).first.map {
            [$0[0], $0[1]]
        } == ["PENDING", String(second.agent!)])
    }
}
