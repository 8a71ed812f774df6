import ServiceLifecycle

/// Keeps the agent registered (``Presence``): watches the connection that holds its presence
/// lock, and when the server has dropped it, registers again under a new id as soon as the
/// database answers. In between, the agent claims and plans nothing (the other agents are
/// taking over what it held). Stops last, after the workers: its end releases the lock and
/// records the stop.
struct PresenceService: Service {
    let context: AgentContext

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-presence") { loop() }
        } onGracefulShutdown: {
            // Seen within one watch (half a second).
            context.state.withLock { $0.stopPresence = true }
        }
        context.presence.end()
    }

    private func loop() {
        while !context.state.withLock({ $0.stopPresence }) {
            if context.presence.owner != nil {
                _ = context.presence.watch(milliseconds: 500, logger: context.logger)
                continue
            }
            do {
                let owner = try context.presence.register()
                context.logger.notice("registered again: this agent rejoined", metadata: ["agent": "\(owner.agent ?? 0)", "owner": "\(owner)"])
                for signal in [context.planWake, context.workWake, context.janitorWake] { signal.signal() }
            } catch {
                sleepMilliseconds(1000)
            }
        }
    }
}
