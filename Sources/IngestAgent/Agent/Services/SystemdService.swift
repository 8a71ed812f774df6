import ServiceLifecycle

/// The first service to stop: tells systemd `READY=1` once the services run and `STOPPING=1`
/// as soon as the graceful shutdown begins (`Type=notify`, sd_notify(3)), and then the agent
/// (`shutdownBegins`) that no new plan or chunk starts while the others stop in turn.
struct SystemdService: Service {
    let shutdownBegins: @Sendable () -> Void

    func run() async throws {
        SystemdNotify.send("READY=1")
        try? await gracefulShutdown()
        SystemdNotify.send("STOPPING=1")
        shutdownBegins()
    }
}
