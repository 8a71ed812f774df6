/// An error from the PostgreSQL layer, with the server's diagnostics when there are any.
///
/// Workers retry an error only when ``isTransient`` is true: the connection was lost or the
/// server asked the client to try again (serialization failure, deadlock, shutdown, lock
/// timeout). Everything else — bad data, constraint violations, syntax — is permanent and
/// fails the job with this error's text.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case connectionFailed, connectionLost, server, copyAborted, decoding
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The connection could not be opened.
        public static let connectionFailed = Code(.connectionFailed)
        /// An open connection broke while a command ran.
        public static let connectionLost = Code(.connectionLost)
        /// The server rejected a command; ``PostgresError/sqlState`` says why.
        public static let server = Code(.server)
        /// The client abandoned a `COPY` because its own code threw.
        public static let copyAborted = Code(.copyAborted)
        /// A result value could not be converted to the requested Swift type.
        public static let decoding = Code(.decoding)

        public var description: String {
            switch value {
            case .connectionFailed: "connectionFailed"
            case .connectionLost: "connectionLost"
            case .server: "server"
            case .copyAborted: "copyAborted"
            case .decoding: "decoding"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE the server reported, if any.
    public var sqlState: String?
    /// The primary message.
    public var message: String
    /// The server's DETAIL field.
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// The server's CONTEXT field (for COPY: `COPY t, line 3, column c: "…"`).
    public var context: String?

    /// Creates an error.
    public init(
        code: Code, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
        context: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.context = context
    }

    /// For an error raised while the server read `COPY` data: the 1-based line of the COPY
    /// stream it was reading, taken from ``context``.
    public var copyLine: Int? {
        // The COPY frame is the last line of the context; a trigger or a cast that failed
        // during the COPY puts its own frames before it.
        guard let frame = context?.split(separator: "\n").last(where: { $0.hasPrefix("COPY ") }),
            let range = frame.firstRange(of: ", line ")
        else { return nil }
        return Int(frame[range.upperBound...].prefix { $0.isNumber })
    }

    /// SQLSTATEs that mean "try again": serialization_failure, deadlock_detected,
    /// lock_not_available (lock timeout), admin_shutdown, crash_shutdown, cannot_connect_now.
    static let transientStates: Set<String> = ["40001", "40P01", "55P03", "57P01", "57P02", "57P03"]

    /// Whether retrying the same work on a fresh connection may succeed.
    public var isTransient: Bool {
        if code == .connectionLost || code == .connectionFailed { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || Self.transientStates.contains(sqlState)
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        return text
    }
}
