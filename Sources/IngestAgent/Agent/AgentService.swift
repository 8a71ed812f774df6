public import Logging
public import ServiceLifecycle
import UnixSignals

/// The agent as a swift-service-lifecycle service: runs it on its own threads and turns the
/// group's graceful shutdown (SIGTERM, SIGINT) into ``Agent/requestStop()``. Tells systemd
/// `READY=1` once the agent runs and `STOPPING=1` when it stops.
public struct AgentService: Service {
    private let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func run() async throws {
        let agent = self.agent
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = WorkerThreads {
                    do {
                        try agent.run { SystemdNotify.send("READY=1") }
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.start()
            }
        } onGracefulShutdown: {
            SystemdNotify.send("STOPPING=1")
            agent.requestStop()
        }
    }
}

/// Reloads the configuration on SIGHUP: what can change without a restart is applied, and
/// each changed setting that needs a restart is named in the log; a configuration that does
/// not load is logged with every problem and the running one kept.
public struct ReloadService: Service {
    private let agent: Agent
    private let started: ResolvedConfiguration
    private let logger: Logger
    private let load: @Sendable () throws -> ResolvedConfiguration

    /// `started` is the configuration the agent runs with; `load` reads it again (same file
    /// and environment as at start).
    public init(
        agent: Agent, started: ResolvedConfiguration, logger: Logger, load: @escaping @Sendable () throws -> ResolvedConfiguration
    ) {
        self.agent = agent
        self.started = started
        self.logger = logger
        self.load = load
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            SystemdNotify.send("RELOADING=1")
            do {
                let new = try load()
                for key in started.restartOnlyChanges(to: new) {
                    logger.warning("setting changed; it takes effect after a restart", metadata: ["key": "\(key)"])
                }
                agent.reload(new.configuration)
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
