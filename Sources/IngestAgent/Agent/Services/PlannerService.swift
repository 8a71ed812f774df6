import Importers
import IngestCore
import IngestPostgres
import Logging
import ServiceLifecycle

/// Plans each complete upload the watcher queues, one at a time: the job is created, the file
/// read once (checksum and chunk files in the same pass) and its chunks published to `ready/`
/// for the workers (DESIGN §1.2). A graceful shutdown interrupts a plan in progress; the job
/// fails as `interrupted` and the file is planned again after the restart.
struct PlannerService: Service {
    let context: AgentContext

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-planner") { loop() }
        } onGracefulShutdown: {
            context.state.withLock { $0.stopPlanning = true }
            context.planWake.signal()
        }
    }

    private var logger: Logger { context.logger }
    private var isStopping: Bool { context.state.withLock { $0.stopPlanning } }
    /// A shutdown began: no plan starts, the one in progress is interrupted.
    private var isShuttingDown: Bool { context.state.withLock { $0.shuttingDown || $0.stopPlanning } }

    /// How long a plan in progress counts as alive for the watchdog between beats: it may
    /// wait as long as a chunk may (a publish lock held by another import, a slow disk).
    private var planningAllowance: Int64 { Int64(context.configuration.agent.claimLeaseSeconds) * 1000 }

    private func loop() {
        // Ready before the first upload arrives: the connection and libcrypto's SHA-256 took
        // 3.5 and 6 ms of an agent's first plan (under `strace`). A connection that cannot be
        // opened now is opened, or its error logged, when the first upload is planned.
        var connection = try? context.connect()
        SHA256.load()
        while !isStopping {
            context.liveness.beat("planner")
            let ticket = context.planWake.ticket()
            // Not registered (the presence was lost): another host plans meanwhile.
            guard !isShuttingDown, let owner = context.presence.owner, let next = context.state.withLock({ $0.planQueue.first }) else {
                context.planWake.wait(after: ticket, milliseconds: 1000)
                continue
            }
            let probe = FileProbe.probe(next.path)
            do {
                if connection?.isOpen != true { connection = try context.connect() }
                let handled = try plan(next, size: probe?.size ?? 0, owner: owner, connection: connection!)
                if !handled { continue }
            } catch {
                connection = nil
                logger.error("cannot submit file", metadata: ["path": "\(next.path)", "error": "\(error)"])
                if isStopping { break }
                sleepMilliseconds(1000)
                if error is PostgresError { continue }  // retry the same file once the database is back
            }
            // A plan cut short by a lost presence is planned again (by whichever host is first).
            let lostPresence = context.presence.owner != owner
            context.state.withLock { state in
                state.planQueue.removeFirst()
                state.queued.remove(next.path)
                if lostPresence {
                    state.rescanRequested = true
                } else if let probe {
                    state.seen[next.path] = AgentState.FileVersion(size: probe.size, mtime: probe.mtimeNanoseconds)
                }
            }
        }
        context.liveness.retire("planner")
    }

    /// Submits one upload; false when another agent holds it (a later scan finds its job).
    private func plan(_ next: AgentState.PlanRequest, size: Int64, owner: ClaimOwner, connection: PostgresConnection) throws -> Bool {
        let started = monotonicMilliseconds()
        context.liveness.beat("planner", allowance: planningAllowance)
        let submission = try JobSubmitter(
            configuration: context.configuration.current, connection: connection, spool: context.spool, owner: owner,
            createdBy: "agent:\(context.host)"
        ).submit(
            path: next.path, type: next.match.type, options: next.match.options, checkSeen: true, force: false,
            onJob: { job in
                context.jobChanged(job)
                logger.info("job created", metadata: ["job": "\(job)", "path": "\(next.path)"])
            },
            progress: { _ in
                context.liveness.beat("planner", allowance: planningAllowance)
                if isShuttingDown {
                    throw ImportFailure(code: .interrupted, message: "the agent stopped while planning this file; it is planned again after the restart")
                }
                if context.presence.owner != owner {
                    throw ImportFailure(code: .interrupted, message: "the agent lost its presence in the database while planning this file; it is planned again")
                }
            })
        let elapsed = monotonicMilliseconds() - started
        context.workWake.signal()
        switch submission {
        case .busy:
            context.state.withLock { state in
                state.planQueue.removeFirst()
                state.queued.remove(next.path)
            }
            return false
        case .alreadySeen(let job):
            logger.info("already imported", metadata: ["path": "\(next.path)", "job": "\(job)"])
            if let snapshot = try JobLedger(connection: connection).snapshot(job), try StatusFileWriter.repairIfStale(snapshot) {
                logger.notice("status file rewritten", metadata: ["path": "\(next.path)", "job": "\(job)"])
            }
        case .duplicate(let job, let original):
            context.jobChanged(job)
            logger.notice("duplicate content", metadata: ["path": "\(next.path)", "job": "\(job)", "duplicate_of": "\(original)"])
        case .planned(let job, let chunks):
            context.jobChanged(job)
            context.metrics.planned(bytes: size)
            logger.info("job planned", metadata: ["job": "\(job)", "chunks": "\(chunks)", "ms": "\(elapsed)"])
        case .failed(let job):
            context.jobChanged(job)
            logger.error("job failed while planning", metadata: ["job": "\(job)", "path": "\(next.path)"])
        }
        return true
    }
}
