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
        var ticket = context.janitorWake.ticket()
        while true {
            if context.state.withLock({ $0.stopJanitor }) { return }
            // A reload wakes the wait early and it starts again with the new interval.
            let started = monotonicMilliseconds()
            var interval = context.configuration.agent.rescanIntervalMilliseconds
            while monotonicMilliseconds() - started < interval {
                context.janitorWake.wait(after: ticket, milliseconds: Int(max(1, Int64(interval) - (monotonicMilliseconds() - started))))
                let now = context.janitorWake.ticket()
                if now != ticket {
                    ticket = now
                    if context.state.withLock({ $0.stopJanitor }) { return }
                    interval = context.configuration.agent.rescanIntervalMilliseconds
                }
            }
            if context.state.withLock({ $0.stopJanitor }) { return }
            if connection?.isOpen != true { connection = try? context.connect() }
            guard let connection else { continue }
            let recovery = Recovery(
                configuration: context.configuration.current, connection: connection, spool: context.spool, host: host,
                logger: context.logger)
            if (try? recovery.releaseClaims()) != nil { context.workWake.signal() }
        }
    }
}
