public import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization

/// The daemon (`nexus-ingest run`, DESIGN §1): after recovery, one `ServiceGroup` of
///
/// watcher → planner → worker pool → status writer, with the presence in the database, the
/// claim janitor, SIGHUP reload, systemd notifications and the watchdog beside them. Services hand work to each other through
/// ``AgentContext`` and wake the waiting side; blocking work runs on threads of their own.
/// SIGTERM and SIGINT stop them in reverse order: `STOPPING=1`, reload and watcher first, then
/// the planner (a plan in progress fails as `interrupted` and is planned again after the
/// restart), the workers within the grace period, the status writer, the presence (the other
/// hosts then take over what this agent still owned) and the watchdog last.
public final class Agent: Sendable {
    private let context: AgentContext
    private let started: ResolvedConfiguration
    private let load: @Sendable () throws -> ResolvedConfiguration
    /// The running group, and whether a stop was asked for before it ran.
    private let running = Mutex<(group: ServiceGroup?, stopRequested: Bool)>((nil, false))

    /// Creates an agent; nothing runs until ``run()``. `reload` reads the configuration
    /// again on SIGHUP.
    public init(
        configuration: ResolvedConfiguration, logger: Logger, reload: @escaping @Sendable () throws -> ResolvedConfiguration
    ) {
        context = AgentContext(configuration: configuration.configuration, logger: logger)
        started = configuration
        load = reload
    }

    /// Stops a running agent as SIGTERM does (an embedding process or a test; the daemon gets
    /// SIGTERM from systemd).
    public func requestStop() async {
        let group = running.withLock { running in
            running.stopRequested = true
            return running.group
        }
        await group?.triggerGracefulShutdown()
    }

    /// Recovers what a crash left, then runs until SIGTERM or SIGINT and returns after the
    /// graceful stop.
    /// - Throws: when the drop root, spool or database cannot be used at start.
    public func run() async throws {
        // Trapped before recovery, so that a SIGHUP then is a reload once the services run
        // (not the end of the process) and `READY=1` promises that reloads work.
        let hangUps = await UnixSignalsSequence(trapping: .sighup)
        let configuration = started.configuration
        let watcher = try WatcherService(context: context)
        try await BlockingThread.run(name: "nexus-recovery") { [context] in
            try AgentStartup(context: context, configuration: configuration).run()
        }
        // Started together; stopped one by one from the end of the list.
        var services: [any Service] = [
            PresenceService(context: context),
            StatusService(context: context),
            WorkerPoolService(
                context: context, workers: configuration.pipeline.workers, importers: configuration.importers,
                conninfo: configuration.conninfo,
                schema: configuration.databaseSchema),
            PlannerService(context: context),
            ClaimJanitorService(context: context),
            watcher,
            ReloadService(context: context, signals: hangUps, started: started, load: load) { [context] in
                watcher.rescan()
                context.janitorWake.signal()
                context.statusWake.signal()
            },
            SystemdService { [context] in
                context.state.withLock { $0.shuttingDown = true }
                for signal in [context.planWake, context.workWake] { signal.signal() }
            },
        ]
        if let interval = WatchdogService.environmentInterval {
            services.insert(WatchdogService(liveness: context.liveness, logger: context.logger, interval: interval), at: 0)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: context.logger))
        let stopRequested = running.withLock { running in
            running.group = group
            return running.stopRequested
        }
        if stopRequested {
            context.logger.info("agent stopped before it started")
            return
        }
        try await group.run()
        context.logger.info("agent stopped")
    }
}
