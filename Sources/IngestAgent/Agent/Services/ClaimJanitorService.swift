import IngestPostgres
import ServiceLifecycle

/// Every `rescan_interval_seconds`, returns to `ready/` the claims of dead processes on this
/// host and of other hosts past `claim_lease_seconds` (``Recovery/releaseClaims()``).
struct ClaimJanitorService: Service {
    let context: AgentContext
    let host: String

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
        var lastRound = monotonicMilliseconds()
        while true {
            let ticket = context.janitorWake.ticket()
            if context.state.withLock({ $0.stopJanitor }) { return }
            // A reload wakes the wait; the next round is then due by the new interval.
            let due = lastRound + Int64(context.configuration.agent.rescanIntervalMilliseconds)
            let now = monotonicMilliseconds()
            guard now >= due else {
                context.janitorWake.wait(after: ticket, milliseconds: Int(due - now))
                continue
            }
            lastRound = now
            if connection?.isOpen != true { connection = try? context.connect() }
            guard let connection else { continue }
            let recovery = Recovery(
                configuration: context.configuration.current, connection: connection, spool: context.spool, host: host,
                logger: context.logger)
            if (try? recovery.releaseClaims()) != nil { context.workWake.signal() }
        }
    }
}
