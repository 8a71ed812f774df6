import Importers
import IngestCore
import IngestPostgres
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Puts the spool and the ledger back in order after a crash of an agent on this host
/// (DESIGN §1, §7): claimed chunks of dead processes return to `ready/`; a job whose plan
/// was committed but not yet made claimable gets its chunks published; a job that never
/// committed its plan fails as `interrupted` (its file is planned again by a new job); a
/// job whose chunks are all done but that was not finalized is finalized.
struct Recovery {
    let configuration: AgentConfiguration
    let connection: PostgresConnection
    let spool: Spool
    let host: String
    let logger: Logger

    /// Runs every step; returns the ids of jobs that are still RUNNING afterwards.
    func run() throws -> [Int64] {
        try releaseClaims()
        return try recoverJobs()
    }

    /// The periodic part (every rescan): claims of dead local processes, and claims of
    /// other hosts held longer than `claim_lease_seconds`, go back to `ready/`; claim files of
    /// chunks that are already DONE (a crash after the commit) are removed.
    ///
    /// Taking over a claim that is in fact still being loaded is safe: the second loader
    /// waits on the chunk's ledger row and then finds it DONE. It only costs the repeat.
    func releaseClaims() throws {
        for name in (try? Files.list(spool.claimedDirectory)) ?? [] {
            let pieces = name.split(separator: "@", maxSplits: 1).map(String.init)
            guard pieces.count == 2, let chunk = Spool.parseChunkFileName(pieces[0]) else { continue }
            let path = "\(spool.claimedDirectory)/\(name)"
            let local = pieces[1].hasPrefix(host + ":")
            if local && isDeadLocalOwner(pieces[1]) {
                if (try? Files.rename(path, to: "\(spool.readyDirectory)/\(pieces[0])")) == true {
                    logger.notice("chunk returned to ready", metadata: ["chunk": "\(pieces[0])", "owner": "\(pieces[1])"])
                }
                continue
            }
            guard !local else { continue }
            let claim = try JobLedger(connection: connection).chunkClaim(
                job: chunk.job, index: chunk.index, leaseSeconds: configuration.agent.claimLeaseSeconds)
            if claim == nil || claim?.state == "DONE" || claim?.state == "ABANDONED" {
                try? Files.remove(path)
            } else if claim?.expired == true,
                      (try? Files.rename(path, to: "\(spool.readyDirectory)/\(pieces[0])")) == true {
                logger.notice("expired claim of another host returned to ready", metadata: ["chunk": "\(pieces[0])", "owner": "\(pieces[1])"])
            }
        }
    }

    /// Whether `owner` (`<host>:<pid>[:<worker>]`) is a process of this host that is gone.
    func isDeadLocalOwner(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count >= 2, String(parts[0]) == host, let pid = Int32(parts[1]), pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    private func recoverJobs() throws -> [Int64] {
        let ledger = JobLedger(connection: connection)
        var running: [Int64] = []
        for (job, unfinished) in try ledger.unfinishedJobs() {
            guard isDeadLocalOwner(job.owner ?? "") else {
                running.append(job.id)
                continue
            }
            guard let totalChunks = job.totalChunks else {
                try? Files.removeDirectory(spool.tmpDirectory(job: job.id))
                try ledger.fail(job.id, ImportFailure(
                    code: .interrupted,
                    message: "the agent stopped while planning this file; it is planned again by a new job"))
                logger.notice("interrupted plan failed", metadata: ["job": "\(job.id)"])
                continue
            }
            let tmpChunks = (try? Files.list(spool.tmpDirectory(job: job.id))) ?? []
            if !tmpChunks.isEmpty {
                let indexes = tmpChunks.compactMap { Spool.parseChunkFileName($0)?.index }
                try spool.publish(job: job.id, chunkIndexes: indexes)
                logger.notice("committed plan published", metadata: ["job": "\(job.id)", "chunks": "\(indexes.count)"])
            }
            // A job held for approval waits for `publish` or `discard`, not for an agent.
            if totalChunks > 0 && unfinished == 0 && !job.isHeld {
                do {
                    try finalize(job, importers: configuration.importers, settings: configuration.pipeline, connection: connection)
                    logger.notice("unfinished finalize completed", metadata: ["job": "\(job.id)"])
                } catch let failure as ImportFailure where failure.code == .precondition {
                    // A type this nexus-ingest does not know (a job of a newer version): left
                    // as it is for the version that knows it.
                    logger.error("job left unfinished", metadata: ["job": "\(job.id)", "error": "\(failure)"])
                }
            }
            try ledger.adopt(job.id, owner: "\(host):\(getpid())")
            running.append(job.id)
        }
        return running
    }
}
