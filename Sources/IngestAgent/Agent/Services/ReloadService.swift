import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP: every reloadable setting takes effect for the next
/// file and the next chunk, each changed setting that needs a restart is named in the log,
/// and a configuration that does not load is logged with every problem and the running one
/// kept.
struct ReloadService: Service {
    let context: AgentContext
    /// SIGHUP, trapped since before recovery.
    let signals: UnixSignalsSequence
    /// The configuration the agent started with (restart-only changes are measured from it).
    let started: ResolvedConfiguration
    /// Reads the configuration again (same file and environment as at start).
    let load: @Sendable () throws -> ResolvedConfiguration
    /// Called after a reload was applied (the watcher rescans for new routes).
    let applied: @Sendable () -> Void

    func run() async throws {
        let logger = context.logger
        for await _ in signals.cancelOnGracefulShutdown() {
            SystemdNotify.send("RELOADING=1")
            do {
                let new = try load()
                for key in started.restartOnlyChanges(to: new) {
                    logger.warning("setting changed; it takes effect after a restart", metadata: ["key": "\(key)"])
                }
                context.configuration.apply(new.configuration)
                applied()
                logger.notice("configuration reloaded")
            } catch let error as ConfigurationError {
                logger.error("configuration reload failed; keeping the running configuration", metadata: [
                    "error": "\(error.problems.map(\.description).joined(separator: "; "))",
                ])
            } catch {
                logger.error("configuration reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            }
            SystemdNotify.send("READY=1")
        }
    }
}
