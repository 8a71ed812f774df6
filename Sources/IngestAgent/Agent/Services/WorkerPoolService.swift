import Importers
import Logging
import ServiceLifecycle

/// The agent's chunk workers (`workers` threads, DESIGN §1.3): each claims any job's chunk from
/// `ready/` by rename, loads it, and waits for the next publication when there is none. A
/// graceful shutdown lets chunks in flight finish within `grace_period_seconds`; what is still
/// claimed then goes back to `ready/` (the ledger makes a second load of it safe).
struct WorkerPoolService: Service {
    let context: AgentContext
    let workers: Int
    let importers: ImporterRegistry
    let conninfo: String
    let schema: String

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-workers") { work() }
        } onGracefulShutdown: {
            context.state.withLock { $0.stopWorking = true }
            context.workWake.signal()
        }
    }

    private var logger: Logger { context.logger }

    /// Runs the pool until a stop, then waits for it at most the grace period.
    private func work() {
        let drained = WakeSignal()
        let done = AtomicFlag()
        let pool = WorkerPool(count: workers, importers: importers, spool: context.spool, conninfo: conninfo, schema: schema)
        BlockingThread.start(name: "nexus-pool") {
            pool.run(settings: { context.configuration.pipeline }, next: next, finished: finished)
            done.set()
            drained.signal()
        }
        // Woken by the shutdown handler (through `workWake`, which every stop signals).
        while !context.state.withLock({ $0.stopWorking }) {
            let ticket = context.workWake.ticket()
            if context.state.withLock({ $0.stopWorking }) { break }
            context.workWake.wait(after: ticket, milliseconds: 60_000)
        }
        let deadline = monotonicMilliseconds() + Int64(context.configuration.agent.gracePeriodMilliseconds)
        while !done.isSet, monotonicMilliseconds() < deadline {
            let ticket = drained.ticket()
            if done.isSet { break }
            drained.wait(after: ticket, milliseconds: Int(max(1, deadline - monotonicMilliseconds())))
        }
        for index in 0..<workers { context.liveness.retire(Self.part(index)) }
        if !done.isSet {
            returnOwnClaims()
            logger.warning("grace period over: unfinished chunks returned to ready/")
        }
    }

    /// The next chunk for `worker`, waiting for a publication when there is none; nil once the
    /// pool is asked to stop. Nothing is claimed while the agent is not registered (its
    /// presence was lost: the claim would be taken over at once).
    @Sendable private func next(_ worker: WorkerPool.Worker) -> Spool.ClaimedChunk? {
        while true {
            let ticket = context.workWake.ticket()
            if context.state.withLock({ $0.stopWorking || $0.shuttingDown }) { return nil }
            if let owner = context.presence.owner, let chunk = try? context.spool.claim(job: nil, owner: owner.worker(worker.index)) {
                // A chunk may take as long as its claim lease before another agent takes it over.
                context.liveness.beat(Self.part(worker.index), allowance: Int64(context.configuration.agent.claimLeaseSeconds) * 1000)
                context.jobChanged(chunk.jobId)
                return chunk
            }
            context.liveness.beat(Self.part(worker.index))
            // Chunks this process publishes wake the wait; another agent's (on a shared spool)
            // are found by the timeout.
            context.workWake.wait(after: ticket, milliseconds: 1000)
        }
    }

    @Sendable private func finished(_ worker: WorkerPool.Worker, _ chunk: Spool.ClaimedChunk, _ outcome: ChunkOutcome, _ milliseconds: Int64) -> Bool {
        context.jobChanged(chunk.jobId)
        context.liveness.beat(Self.part(worker.index))
        let metadata: Logger.Metadata = ["job": "\(chunk.jobId)", "chunk": "\(chunk.chunkIndex)", "ms": "\(milliseconds)"]
        switch outcome {
        case .loaded(let finalized):
            context.metrics.chunkLoaded()
            logger.info(finalized ? "chunk loaded, job finalized" : "chunk loaded", metadata: metadata)
        case .alreadyDone:
            logger.notice("chunk already loaded: skipped", metadata: metadata)
        case .abandoned:
            logger.info("chunk abandoned: its job is not running", metadata: metadata)
        case .superseded:
            logger.notice("chunk not loaded here: another agent took it over (this one counted as gone)", metadata: metadata)
        case .failed(let failure):
            context.metrics.chunkFailed()
            logger.error("chunk failed", metadata: metadata.merging(["error": "\(failure)"]) { $1 })
        case .returned(let failure):
            logger.warning("chunk returned to ready: the database cannot be reached", metadata: metadata.merging(["error": "\(failure)"]) { $1 })
            // Not at once again: the database is away.
            let ticket = context.workWake.ticket()
            context.workWake.wait(after: ticket, milliseconds: 1000)
        }
        return true
    }

    /// The name of worker `index` for the watchdog.
    static func part(_ index: Int) -> String { "worker \(index)" }

    /// Returns chunks this process still holds to `ready/`.
    private func returnOwnClaims() {
        guard let owner = context.presence.owner else { return }  // lost: the others return them
        for claim in (try? context.spool.claims()) ?? [] where claim.owner?.process == owner {
            _ = try? context.spool.unclaim(claim.name)
        }
    }
}
