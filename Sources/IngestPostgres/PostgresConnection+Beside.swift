import CLibPQ

extension PostgresConnection {
    /// A new session to this connection's server and database, with its `search_path` and JIT
    /// off (as ``init(conninfo:schema:)``), for work beside this connection's transaction: what
    /// it commits is visible to other sessions at once, and does not wait for that transaction.
    public func openSibling() throws(PostgresError) -> PostgresConnection {
        let searchPath = try query("SELECT current_setting('search_path')").first!.require(0, as: String.self)
        let sibling = try PostgresConnection(conninfo: conninfo, applicationName: applicationName)
        try sibling.query("SELECT set_config('search_path', $1, false)", searchPath)
        try sibling.query("SET jit = off")
        return sibling
    }

    /// Sends `sql`, a script of statements without parameters (one implicit transaction), and
    /// returns without waiting for it: the server runs it while the caller goes on, on other
    /// connections. ``finishScript()`` collects it; nothing else may be sent on this connection
    /// before.
    public func startScript(_ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        guard !scriptPending else {
            throw PostgresError(code: .server, message: "a script is already running on this connection")
        }
        guard PQsendQuery(handle, sql) == 1 else { throw lastError(code: .connectionLost) }
        scriptPending = true
    }

    /// Waits for the script ``startScript(_:)`` sent to end; throws the error that ended it, if
    /// any. Returns at once when no script is running.
    public func finishScript() throws(PostgresError) {
        guard scriptPending else { return }
        scriptPending = false
        let handle = try liveHandle()
        var failure: PostgresError?
        var results = 0
        while let result = PQgetResult(handle) {
            results += 1
            guard failure == nil else {
                PQclear(result)
                continue
            }
            do {
                _ = try check(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        if results == 0 { throw lastError(code: .connectionLost) }
    }
}
