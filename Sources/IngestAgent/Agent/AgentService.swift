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

/// Reloads the configuration on SIGHUP: what can change without a restart is applied; a
/// configuration that does not load is logged and the running one kept.
public struct ReloadService: Service {
    private let agent: Agent
    private let logger: Logger
    private let load: @Sendable () async throws -> AgentConfiguration

    /// `load` reads the configuration again (same file and environment as at start).
    public init(agent: Agent, logger: Logger, load: @escaping @Sendable () async throws -> AgentConfiguration) {
        self.agent = agent
        self.logger = logger
        self.load = load
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            SystemdNotify.send("RELOADING=1")
            do {
                agent.reload(try await load())
            } catch {
                logger.error("configuration reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            }
            SystemdNotify.send("READY=1")
        }
    }
}
