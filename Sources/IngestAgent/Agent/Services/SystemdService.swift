import ServiceLifecycle

/// The agent's side of `Type=notify` (sd_notify(3)): `READY=1` once the services run and
/// `STOPPING=1` as soon as the graceful shutdown begins (it is the first service to stop).
struct SystemdService: Service {
    func run() async throws {
        SystemdNotify.send("READY=1")
        try? await gracefulShutdown()
        SystemdNotify.send("STOPPING=1")
    }
}
