import IngestPostgres
import Logging
import Synchronization

/// What the agent's services share: the live configuration, the spool, the hand-off state and
/// the signals that wake the side waiting for it (an upload is queued → planner; chunks are
/// claimable → workers; a job changed → status writer).
final class AgentContext: Sendable {
    let configuration: LiveConfiguration
    let logger: Logger
    let metrics = AgentMetrics()
    let liveness = Liveness()
    let spool: Spool
    /// This host's name, as claim files and the ledger record it.
    let host: String
    /// This agent's registration in the database: who it is as the owner of claims and jobs,
    /// for as long as PostgreSQL counts it as alive.
    let presence: Presence
    let state: Mutex<AgentState>
    let planWake = WakeSignal()
    let workWake = WakeSignal()
    let statusWake = WakeSignal()
    /// Wakes the claim janitor (a stop, or a reload that changed its interval or lease).
    let janitorWake = WakeSignal()
    private let conninfo: String
    private let schema: String

    init(configuration: AgentConfiguration, logger: Logger) {
        self.configuration = LiveConfiguration(configuration)
        self.logger = logger
        spool = Spool(root: configuration.pipeline.spoolDirectory)
        host = Files.hostName()
        presence = Presence(kind: "agent", configuration: configuration)
        state = Mutex(AgentState())
        conninfo = configuration.conninfo
        schema = configuration.databaseSchema
    }

    /// A new connection to the agent's database, with its schema on the search path.
    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: conninfo, schema: schema)
    }

    /// Plans `path` again (another host's plan of it was interrupted): forgotten as seen, and
    /// found by the watcher's next scan.
    func replan(_ path: String) {
        state.withLock { state in
            state.seen[path] = nil
            state.rescanRequested = true
        }
    }

    /// `job` changed state: the status writer writes its file now and follows it until final.
    func jobChanged(_ job: Int64) {
        state.withLock {
            $0.trackedJobs.insert(job)
            $0.changedJobs.insert(job)
        }
        statusWake.signal()
    }
}
