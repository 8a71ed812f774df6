import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Sends systemd `WATCHDOG=1` every half `WatchdogSec` while the watcher, the planner and every
/// worker make progress (``Liveness``). A wedged thread stops the pings, and systemd kills and
/// restarts the agent. Stops last, so a long drain of the workers is not taken for a hang.
struct WatchdogService: Service {
    let liveness: Liveness
    let logger: Logger
    /// How often to ping: half of what `WATCHDOG_USEC` asks for.
    let interval: Duration

    /// The ping interval when systemd watches this process (`WATCHDOG_USEC`, and
    /// `WATCHDOG_PID` naming this process if set), as sd_watchdog_enabled(3) reads them.
    static func interval(microseconds: String?, pid: String?, ownPid: Int32) -> Duration? {
        guard let microseconds, let value = Int64(microseconds), value > 0 else { return nil }
        if let pid, Int32(pid) != ownPid { return nil }
        return .microseconds(value / 2)
    }

    /// The interval from this process's environment.
    static var environmentInterval: Duration? {
        interval(
            microseconds: getenv("WATCHDOG_USEC").map { String(cString: $0) }, pid: getenv("WATCHDOG_PID").map { String(cString: $0) },
            ownPid: processID)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { [liveness, logger, interval] in
            var reported: [String] = []
            while true {
                let overdue = liveness.overdue()
                if overdue.isEmpty {
                    SystemdNotify.send("WATCHDOG=1")
                } else if overdue != reported {
                    logger.critical("no progress: watchdog pings stopped, systemd restarts the agent", metadata: [
                        "stalled": "\(overdue.joined(separator: ", "))",
                    ])
                }
                reported = overdue
                try await Task.sleep(for: interval)
            }
        }
    }
}
