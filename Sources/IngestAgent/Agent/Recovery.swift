import Importers
import IngestCore
import IngestPostgres
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Puts the spool and the ledger back in order after a process that held claims or jobs is
/// gone (DESIGN §1, §7), on this host or another: at the agent's start and every janitor round.
///
/// PostgreSQL says who is gone (``AgentRegistry``): a registered process whose presence lock
/// nobody holds. Its claimed chunks return to `ready/`; of its jobs, one whose plan was
/// committed but not yet made claimable gets its chunks published, one that never committed its
/// plan fails as `interrupted` (its file is planned again, by a new job, on whichever host
/// sees it first), one whose chunks are all done is finalized; this agent then owns them. Only
/// one agent takes over a given lost process's jobs (its reap lock); claims may be returned by
/// any (a rename moves a file once). Owners written by versions
/// before the registry are judged as they were: a local pid that is gone, or another host's
/// claim older than `claim_lease_seconds`.
struct Recovery {
    let configuration: AgentConfiguration
    let connection: PostgresConnection
    let spool: Spool
    /// This process, which adopts what it takes over.
    let owner: ClaimOwner
    let logger: Logger

    /// What a round did.
    struct Outcome {
        /// Jobs that are still running, this agent's or adopted (their status files to follow).
        var runningJobs: [Int64] = []
        /// Jobs this round took over or changed.
        var changedJobs: [Int64] = []
        /// Uploads whose interrupted plan was failed: to be planned again.
        var replan: [String] = []
        /// Chunks returned to `ready/`.
        var returnedClaims = 0
    }

    private var registry: AgentRegistry { AgentRegistry(connection: connection) }
    private var host: String { owner.host }

    /// Every step: claims, then jobs. Who is alive is read after the claims and jobs are
    /// listed: a process only ever goes from alive to gone, so one that registers meanwhile is
    /// never taken for gone (its claims and jobs are not in the lists).
    func run() throws -> Outcome {
        let claims = try spool.claims()
        let jobs = try JobLedger(connection: connection).unfinishedJobs()
        let live = try registry.live()
        var outcome = Outcome()
        try releaseClaims(claims, live: live, into: &outcome)
        try recoverJobs(jobs, live: live, into: &outcome)
        return outcome
    }

    /// Claims of processes that are gone go back to `ready/`; claim files of chunks that are
    /// already DONE (a crash after the commit) are removed. Taking over a claim that is in fact
    /// still being loaded is safe: the ledger lets only the chunk's current attempt commit.
    private func releaseClaims(
        _ claims: [(name: String, job: Int64, index: Int, owner: ClaimOwner?)], live: Set<Int64>, into outcome: inout Outcome
    ) throws {
        for claim in claims {
            guard let claimant = claim.owner else { continue }
            let foreignAndOlder = claimant.agent == nil && claimant.host != host
            if !foreignAndOlder && isAlive(claimant, live: live) { continue }
            let chunk = try JobLedger(connection: connection).chunkClaim(
                job: claim.job, index: claim.index, leaseSeconds: configuration.agent.claimLeaseSeconds)
            let state = chunk?.state
            if foreignAndOlder {
                // Another host's claim from before the registry: the claim lease decides.
                guard state == nil || state == "DONE" || state == "ABANDONED" || chunk?.expired == true else { continue }
            }
            if state == nil || state == "DONE" || state == "ABANDONED" {
                try? Files.remove("\(spool.claimedDirectory)/\(claim.name)")
            } else if (try? spool.unclaim(claim.name)) == true {
                outcome.returnedClaims += 1
                let message: Logger.Message = foreignAndOlder
                    ? "expired claim of another host returned to ready" : "claim of a process that is gone returned to ready"
                logger.notice(message, metadata: ["chunk": "\(claim.name.split(separator: "@")[0])", "owner": "\(claimant)"])
            }
        }
    }

    /// Whether `claimant` is alive: by its presence lock when it is registered, by its pid when
    /// it is an older local owner; an older owner on another host counts as alive (the lease
    /// judges its claims, and its jobs wait for it).
    func isAlive(_ claimant: ClaimOwner, live: Set<Int64>) -> Bool {
        if let agent = claimant.agent { return live.contains(agent) }
        guard claimant.host == host else { return true }
        guard claimant.pid != getpid() else { return true }
        return !(kill(claimant.pid, 0) != 0 && errno == ESRCH)
    }

    private func recoverJobs(_ jobs: [LedgerJob], live: Set<Int64>, into outcome: inout Outcome) throws {
        let ledger = JobLedger(connection: connection)
        var lostOwners: [Int64: [LedgerJob]] = [:]
        var legacy: [LedgerJob] = []
        for job in jobs {
            let jobOwner = job.owner.flatMap { ClaimOwner(parsing: $0) }
            if let agent = job.agentId, !live.contains(agent) {
                lostOwners[agent, default: []].append(job)
            } else if job.agentId == nil, let jobOwner, jobOwner.agent == nil, !isAlive(jobOwner, live: live) {
                legacy.append(job)
            } else {
                outcome.runningJobs.append(job.id)
            }
        }
        for job in legacy { try takeOver(job, into: &outcome) }
        for (agent, jobs) in lostOwners.sorted(by: { $0.key < $1.key }) {
            // Another agent taking it over right now: its jobs are that agent's.
            _ = try registry.reaping(agent) {
                for job in jobs {
                    // Read again under the reap lock: an agent that finished before may have
                    // adopted it, and chunks may have been loaded since the list was made.
                    guard let current = try ledger.job(job.id), current.agentId == agent,
                          current.status == .running || current.status == .queued else { continue }
                    try takeOver(current, into: &outcome)
                }
                try registry.end(agent, by: owner.agent)
                logger.notice("took over from a process that is gone", metadata: ["agent": "\(agent)", "jobs": "\(jobs.map(\.id))"])
            }
        }
        for agent in try registry.lost() {
            _ = try registry.reaping(agent) { try registry.end(agent, by: owner.agent) }
        }
    }

    /// Puts a job whose owner is gone back on its way, and adopts it.
    private func takeOver(_ job: LedgerJob, into outcome: inout Outcome) throws {
        let ledger = JobLedger(connection: connection)
        outcome.changedJobs.append(job.id)
        guard let totalChunks = job.totalChunks else {
            try? Files.removeDirectory(spool.tmpDirectory(job: job.id))
            try ledger.fail(job.id, ImportFailure(
                code: .interrupted,
                message: "the process planning this file stopped before its plan was committed; it is planned again by a new job"))
            logger.notice("interrupted plan failed", metadata: ["job": "\(job.id)", "owner": "\(job.owner ?? "")"])
            if let path = job.csvPath { outcome.replan.append(path) }
            return
        }
        let tmpChunks = (try? Files.list(spool.tmpDirectory(job: job.id))) ?? []
        if !tmpChunks.isEmpty {
            let indexes = tmpChunks.compactMap { Spool.parseChunkFileName($0)?.index }
            try spool.publish(job: job.id, chunkIndexes: indexes)
            logger.notice("committed plan published", metadata: ["job": "\(job.id)", "chunks": "\(indexes.count)"])
        }
        try ledger.adopt(job.id, owner: owner)
        // A job held for approval waits for `publish` or `discard`, not for an agent.
        if totalChunks > 0 && job.allChunksDone && !job.isHeld {
            do {
                try finalize(job, importers: configuration.importers, settings: configuration.pipeline, connection: connection)
                logger.notice("unfinished finalize completed", metadata: ["job": "\(job.id)"])
            } catch let failure as ImportFailure where failure.code == .precondition {
                // A type this nexus-ingest does not know (a job of a newer version): left
                // as it is for the version that knows it.
                logger.error("job left unfinished", metadata: ["job": "\(job.id)", "error": "\(failure)"])
            }
        }
        outcome.runningJobs.append(job.id)
    }
}
