import IngestPostgres
import Logging
import Synchronization

/// This process's registration in the database (``AgentRegistry``): the connection that holds
/// its presence lock, and the owner its claims and jobs carry.
///
/// The agent watches the connection (``PresenceService``): when the server drops it (a network
/// partition longer than the keepalive bound, a terminated backend) the others count this
/// process as gone and take over its claims and jobs, so it stops claiming and planning
/// (``owner`` is nil), and registers again under a new id once the database answers. Work it
/// did under the old id is refused by the ledger (the chunk's attempt is no longer its).
final class Presence: Sendable {
    /// What registered: `agent`, `import` or `retry`.
    let kind: String
    let host: String
    private let conninfo: String
    private let schema: String
    private let registration = Mutex<Registration?>(nil)
    /// Serializes ``renewed()`` (the workers of `import` call it concurrently).
    private let renewal = Mutex(())

    /// The connection that holds the lock, with its id. One thread at a time uses it: in the
    /// agent its startup registers, then its presence thread watches, and its stop ends it
    /// after that thread returned; in `import` and `retry`, ``renewed()`` under its lock.
    private final class Registration: @unchecked Sendable {
        let id: Int64
        let connection: PostgresConnection
        init(id: Int64, connection: PostgresConnection) {
            self.id = id
            self.connection = connection
        }
    }

    init(kind: String, host: String, conninfo: String, schema: String) {
        self.kind = kind
        self.host = host
        self.conninfo = conninfo
        self.schema = schema
    }

    /// This host's process of `kind` in `configuration`'s database and schema.
    convenience init(kind: String, configuration: AgentConfiguration) {
        self.init(kind: kind, host: Files.hostName(), conninfo: configuration.conninfo, schema: configuration.databaseSchema)
    }

    /// This process as the owner of claims and jobs; nil while it is not registered.
    var owner: ClaimOwner? { registration.withLock { $0.map { owner(registered: $0.id) } } }

    /// This process as registered under `id`.
    private func owner(registered id: Int64) -> ClaimOwner { ClaimOwner(host: host, pid: processID, agent: id) }

    /// Registers with a new id on a new connection.
    @discardableResult
    func register() throws -> ClaimOwner {
        let connection = try PostgresConnection(conninfo: conninfo, schema: schema)
        // Always idle: a server-wide idle_session_timeout must not end it (PostgreSQL 14+).
        if connection.serverVersion >= 140_000 { try connection.query("SELECT set_config('idle_session_timeout', '0', false)") }
        let id = try AgentRegistry(connection: connection).register(host: host, pid: processID, kind: kind, version: ProductVersion.current)
        registration.withLock { $0 = Registration(id: id, connection: connection) }
        return owner(registered: id)
    }

    /// Blocks up to `milliseconds` watching the connection; false when the registration is gone
    /// (it is then dropped, and logged: ``owner`` is nil until ``register()``).
    func watch(milliseconds: Int, logger: Logger) -> Bool {
        guard let current = registration.withLock({ $0 }) else { return false }
        if current.connection.waitWhileOpen(milliseconds: milliseconds) { return true }
        registration.withLock { if $0 === current { $0 = nil } }
        logger.error(
            "lost the database connection that holds this agent's presence: the other agents take over its claims and jobs",
            metadata: ["agent": "\(current.id)"])
        return false
    }

    /// The current owner, registered again first when the server dropped the registration
    /// (for `import` and `retry`, which have no presence thread); `replaced` is the owner of
    /// the registration that was lost.
    func renewed() throws -> (owner: ClaimOwner, replaced: ClaimOwner?) {
        try renewal.withLock { _ throws -> (owner: ClaimOwner, replaced: ClaimOwner?) in
            let current = registration.withLock { $0 }
            if let current, current.connection.waitWhileOpen(milliseconds: 0) { return (owner(registered: current.id), nil) }
            registration.withLock { $0 = nil }
            return (try register(), current.map { owner(registered: $0.id) })
        }
    }

    /// Records a graceful stop and releases the presence lock.
    func end() {
        guard let current = registration.withLock({ registration in
            defer { registration = nil }
            return registration
        }) else { return }
        _ = try? AgentRegistry(connection: current.connection).end(current.id)
        current.connection.close()
    }
}
