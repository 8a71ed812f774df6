import IngestPostgres
import ServiceLifecycle

/// Every ``roundMilliseconds``, takes over from the processes that are gone, on this host or
/// another (``Recovery``): their claims go back to `ready/`, their jobs go on under this agent,
/// and files whose plan they left unfinished are planned again. PostgreSQL says who is gone, so
/// a crashed host's chunks move on within the keepalive bound (``TCPKeepalive``) plus a round.
struct ClaimJanitorService: Service {
    let context: AgentContext

    /// How often the janitor asks the database who is gone: a listing of `claimed/`, the jobs
    /// that have not ended and the presence locks, and a query per claim of a process that is gone.
    static let roundMilliseconds = 2000

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-janitor") { loop() }
        } onGracefulShutdown: {
            context.state.withLock { $0.stopJanitor = true }
            context.janitorWake.signal()
        }
    }

    private func loop() {
        var connection: PostgresConnection?
        while true {
            let ticket = context.janitorWake.ticket()
            if context.state.withLock({ $0.stopJanitor }) { return }
            if connection?.isOpen != true { connection = try? context.connect() }
            if let connection, let owner = context.presence.owner {
                round(connection: connection, owner: owner)
            }
            context.janitorWake.wait(after: ticket, milliseconds: Self.roundMilliseconds)
        }
    }

    private func round(connection: PostgresConnection, owner: ClaimOwner) {
        let recovery = Recovery(
            configuration: context.configuration.current, connection: connection, spool: context.spool, owner: owner,
            logger: context.logger)
        do {
            let outcome = try recovery.run()
            for job in outcome.changedJobs { context.jobChanged(job) }
            for path in outcome.replan { context.replan(path) }
            if outcome.returnedClaims > 0 || !outcome.changedJobs.isEmpty { context.workWake.signal() }
        } catch {
            context.logger.warning("could not take over from processes that are gone", metadata: ["error": "\(error)"])
        }
    }
}
