import IngestPostgres
import Logging

/// What the agent does before its services start: makes the drop root and spool, checks the
/// database, logs the inotify limits (and warns, as `doctor` does, when a statement over every
/// partition would crowd the server's lock table), registers the agent (``Presence``), and puts
/// the spool and ledger back in order after a crash (``Recovery``); the jobs still running are
/// handed to the status writer.
struct AgentStartup {
    let context: AgentContext
    let configuration: AgentConfiguration

    func run() throws {
        try Files.makeDirectories(configuration.agent.dropRoot)
        try context.spool.create()
        let connection = try context.connect()
        let limits = InotifyWatcher.limits()
        context.logger.info("agent starting", metadata: [
            "drop_root": "\(configuration.agent.dropRoot)", "spool": "\(context.spool.root)",
            "workers": "\(configuration.pipeline.workers)",
            "inotify_max_user_watches": "\(limits["max_user_watches"] ?? "?")",
            "inotify_max_queued_events": "\(limits["max_queued_events"] ?? "?")",
            "inotify_max_user_instances": "\(limits["max_user_instances"] ?? "?")",
        ])
        if let usage = try? Doctor.partitionLocks(connection, schema: configuration.databaseSchema),
           case let check = Doctor.lockTableCheck(usage), check.outcome != .ok {
            context.logger.warning("lock table", metadata: ["detail": "\(check.detail)"])
        }
        let owner = try context.presence.register()
        context.logger.info("registered", metadata: ["agent": "\(owner.agent ?? 0)", "owner": "\(owner)"])
        let recovery = Recovery(configuration: configuration, connection: connection, spool: context.spool, owner: owner, logger: context.logger)
        do {
            for job in try recovery.run().runningJobs { context.jobChanged(job) }
        } catch {
            context.presence.end()
            throw error
        }
        context.workWake.signal()
    }
}
