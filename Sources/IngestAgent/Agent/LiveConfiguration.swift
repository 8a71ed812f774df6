import Synchronization

/// The configuration the agent runs with now. Every reloadable setting is read from here where
/// it is used (the next file, the next chunk, the next round of the status writer), so a
/// reload takes effect without a restart.
final class LiveConfiguration: Sendable {
    private let value: Mutex<AgentConfiguration>

    init(_ configuration: AgentConfiguration) { value = Mutex(configuration) }

    /// The configuration as the last reload left it.
    var current: AgentConfiguration { value.withLock { $0 } }

    /// The agent's settings as the last reload left them.
    var agent: AgentSettings { value.withLock { $0.agent } }

    /// The pipeline settings as the last reload left them.
    var pipeline: PipelineSettings { value.withLock { $0.pipeline } }

    /// Takes the reloadable settings of `new`; the database, drop root, spool directory and
    /// worker count stay as they started (the reload names those in the log when they changed).
    func apply(_ new: AgentConfiguration) {
        value.withLock { current in
            var agent = new.agent
            agent.dropRoot = current.agent.dropRoot
            agent.migrateOnStart = current.agent.migrateOnStart
            agent.logLevel = current.agent.logLevel
            agent.logFormat = current.agent.logFormat
            var pipeline = new.pipeline
            pipeline.spoolDirectory = current.pipeline.spoolDirectory
            pipeline.workers = current.pipeline.workers
            current.agent = agent
            current.pipeline = pipeline
        }
    }
}
