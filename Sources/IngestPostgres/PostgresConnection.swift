import CLibPQ

/// One blocking libpq connection, used by one thread at a time.
///
/// Connect with a libpq conninfo string (`host=/run/postgresql dbname=nexus`) or a URL
/// (`postgres://user@host/db`); an empty string uses only the `PG*` environment variables,
/// and `.pgpass` and service files work as in `psql`. Every query is parameterized
/// (`$1`, `$2`, … sent apart from the SQL text): never build SQL from data.
public final class PostgresConnection {
    private(set) var handle: OpaquePointer?
    /// What the connection was opened with, for ``openSibling()``.
    let conninfo: String, applicationName: String
    /// Whether a script ``startScript(_:)`` sent still has results to collect.
    var scriptPending = false

    /// Opens a connection.
    /// - Parameters:
    ///   - conninfo: a conninfo string or `postgres://` / `postgresql://` URL.
    ///   - applicationName: shown in `pg_stat_activity` unless the conninfo names one.
    ///
    /// TCP connections detect a vanished peer within about 11 seconds at both ends
    /// (``TCPKeepalive``): libpq's keepalive parameters are set before `conninfo` is read, so
    /// a `conninfo` that names its own wins, and the server's side is set to the same values.
    public init(conninfo: String, applicationName: String = "nexus-ingest") throws(PostgresError) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        let defaults = TCPKeepalive.standard.libpqParameters
        let keywords = defaults.map(\.keyword) + ["dbname", "fallback_application_name"]
        let values = defaults.map(\.value) + [conninfo, applicationName]
        let handle = withCStringArray(keywords) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "out of memory creating a libpq connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.connectionMessage(handle)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: "could not connect to PostgreSQL: \(message)")
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
        try applyServerKeepalive()
    }

    /// Opens a connection whose `search_path` is `schema` alone and whose statements are never
    /// JIT-compiled: how every part of nexus-ingest talks to its tables.
    ///
    /// An import's large statements (a chunk's `INSERT … SELECT`, a price-list revision's
    /// numbered `INSERT`, an estimate's finalize) are costed far above `jit_optimize_above_cost`,
    /// so a server with JIT on compiles each with optimization and inlining, 150–320 ms, and
    /// they run no faster compiled: a 500k-row Golden Components chunk statement took 1.53 s
    /// without JIT and 1.65 s with it; CLI imports, alternated, medians of 3: Golden Components
    /// 1M rows 7.9 → 7.4 s, Golden PETL 500k 17.8 → 16.6 s (BENCHMARKS.md, twelfth round).
    public convenience init(conninfo: String, schema: String) throws(PostgresError) {
        try self.init(conninfo: conninfo)
        try setSearchPath(schema)
        try query("SET jit = off")
    }

    deinit { close() }

    /// Closes the connection; later commands fail with ``PostgresError/Code/connectionLost``.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Whether the connection is open and healthy as far as libpq knows.
    public var isOpen: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server version as an integer, e.g. 150018 for 15.18.
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// The server process id serving this connection (for `pg_terminate_backend` in tests).
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// Runs one statement with parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws(PostgresError) -> PostgresResult {
        try query(sql, parameters: parameters)
    }

    /// Runs one statement with an array of parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, parameters: [(any PostgresEncodable)?]) throws(PostgresError) -> PostgresResult {
        let handle = try liveHandle()
        let texts = parameters.map { $0?.postgresText }
        let result = withOptionalCStringArray(texts) { values in
            PQexecParams(handle, sql, Int32(texts.count), nil, values, nil, nil, 0)
        }
        return try check(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs a script of several statements without parameters (migrations, fixed DDL).
    public func executeScript(_ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        _ = try check(PQexec(handle, sql), expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (the
    /// error is rethrown). A lost connection rolls back on the server by itself.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try executeScript("BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            if isOpen { try? executeScript("ROLLBACK") }
            throw error
        }
        try executeScript("COMMIT")
        return value
    }

    /// Streams rows into the server with `COPY … FROM STDIN` and returns the number of rows
    /// the server stored.
    ///
    /// `statement` is a complete COPY statement built from constant names, for example with
    /// ``copyStatement(table:columns:format:)``. `body` writes the rows through the
    /// ``CopyInWriter``, which sends them in large buffers. If `body` throws, the COPY is
    /// aborted (the server stores none of its rows) and the error is rethrown.
    @discardableResult
    public func copyIn(_ statement: String, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        let handle = try liveHandle()
        _ = try check(PQexec(handle, statement), expecting: [PGRES_COPY_IN])
        var writer = CopyInWriter(connection: self, handle: handle)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            let reason = "aborted by nexus-ingest: \(error)"
            if PQputCopyEnd(handle, reason) == 1 { drainResults(handle) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw lastError(code: .connectionLost) }
        let result = try check(PQgetResult(handle), expecting: [PGRES_COMMAND_OK])
        drainResults(handle)
        return result.affectedRows
    }

    /// A `COPY "table" ("col", …) FROM STDIN` statement with every name quoted.
    public func copyStatement(table: String, columns: [String], format: CopyFormat = .text) throws(PostgresError) -> String {
        let columnList = try columns.map { (c: String) throws(PostgresError) in try quoteIdentifier(c) }.joined(separator: ", ")
        let options = format == .csv ? " WITH (FORMAT csv)" : ""
        return "COPY \(try quoteIdentifier(table)) (\(columnList)) FROM STDIN\(options)"
    }

    /// `name` quoted as an SQL identifier by libpq (for schema names from configuration).
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        let handle = try liveHandle()
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw lastError(code: .server)
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Sets the session's `search_path` to `schema` alone.
    public func setSearchPath(_ schema: String) throws(PostgresError) {
        try query("SELECT set_config('search_path', quote_ident($1), false)", schema)
    }

    // MARK: - libpq plumbing

    func liveHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionLost, message: "the connection is closed")
        }
        return handle
    }

    /// Turns a `PGresult` into a ``PostgresResult`` or the error it carries.
    func check(_ result: OpaquePointer?, expecting accepted: [ExecStatusType]) throws(PostgresError) -> PostgresResult {
        guard let result else { throw lastError(code: .connectionLost) }
        let status = PQresultStatus(result)
        if accepted.contains(status) { return PostgresResult(result) }
        let error = Self.error(from: result, connection: handle)
        PQclear(result)
        throw error
    }

    /// The error the connection itself reports (no result available).
    func lastError(code: PostgresError.Code) -> PostgresError {
        let message = handle.map { Self.connectionMessage($0) } ?? "the connection is closed"
        let lost = handle.map { PQstatus($0) != CONNECTION_OK } ?? true
        return PostgresError(code: lost ? .connectionLost : code, message: message)
    }

    private func drainResults(_ handle: OpaquePointer) {
        while let extra = PQgetResult(handle) { PQclear(extra) }
    }

    private static func error(from result: OpaquePointer, connection: OpaquePointer?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(DiagnosticField.sqlState)
        let primary = field(DiagnosticField.primary)
        let lost = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        let message = primary ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace()
        return PostgresError(
            code: sqlState == nil && lost ? .connectionLost : .server,
            sqlState: sqlState,
            message: message.isEmpty ? "unknown server error" : message,
            detail: field(DiagnosticField.detail),
            hint: field(DiagnosticField.hint),
            context: field(DiagnosticField.context))
    }

    private static func connectionMessage(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
    }
}

/// The data formats of `COPY`.
public enum CopyFormat: Sendable {
    /// PostgreSQL's text format: tab-separated, `\N` for NULL, backslash escapes.
    case text
    /// CSV, with the server's defaults (comma, `"` quoting, empty unquoted field = NULL).
    case csv
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// libpq's `PG_DIAG_*` field codes (character macros that Swift does not import).
private enum DiagnosticField {
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let primary = Int32(UInt8(ascii: "M"))
    static let detail = Int32(UInt8(ascii: "D"))
    static let hint = Int32(UInt8(ascii: "H"))
    static let context = Int32(UInt8(ascii: "W"))
}
