import IngestPostgres
import ServiceLifecycle

/// Every `rescan_interval_seconds`, returns to `ready/` the claims of dead processes on this
/// host and of other hosts past `claim_lease_seconds` (``Recovery/releaseClaims()``).
struct ClaimJanitorService: Service {
    let context: AgentContext
    let host: String

    func run() async throws {
        let wake = WakeSignal()
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-janitor") { loop(wake) }
        } onGracefulShutdown: {
            context.state.withLock { $0.stopJanitor = true }
            wake.signal()
        }
    }

    private func loop(_ wake: WakeSignal) {
        var connection: PostgresConnection?
        while true {
            let ticket = wake.ticket()
            if context.state.withLock({ $0.stopJanitor }) { return }
            wake.wait(after: ticket, milliseconds: context.configuration.agent.rescanIntervalMilliseconds)
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
