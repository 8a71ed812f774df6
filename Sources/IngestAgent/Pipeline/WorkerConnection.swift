import IngestPostgres

/// One worker thread's database connection, reopened after a transient failure.
final class WorkerConnection {
    private let connect: () throws -> PostgresConnection
    private var connection: PostgresConnection?

    /// Creates a holder; nothing connects until ``live()``.
    init(connect: @escaping () throws -> PostgresConnection) { self.connect = connect }

    /// Connects to `conninfo` with `search_path` set to `schema`.
    convenience init(conninfo: String, schema: String) {
        self.init { try PostgresConnection(conninfo: conninfo, schema: schema) }
    }

    /// The open connection, reconnecting if it is closed or broken.
    func live() throws -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        let fresh = try connect()
        connection = fresh
        return fresh
    }

    /// Drops the connection; the next ``live()`` reconnects.
    func reset() { connection = nil }
}
