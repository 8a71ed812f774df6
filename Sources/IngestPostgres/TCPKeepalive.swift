import CLibPQ

/// How fast each end of a TCP connection to PostgreSQL notices that the other is gone
/// (a host that crashed, a network partition): after `idleSeconds` without traffic a probe
/// every `intervalSeconds`, and the connection is dropped after `count` unanswered probes;
/// data left unacknowledged for `userTimeoutMilliseconds` drops it too.
///
/// On the server side this is what releases a lost agent's session locks, and with them its
/// presence (DESIGN, several hosts): the standard values bound that to about 11 seconds. The
/// server's operating-system defaults would take two hours.
public struct TCPKeepalive: Sendable, Equatable {
    public var idleSeconds: Int
    public var intervalSeconds: Int
    public var count: Int
    public var userTimeoutMilliseconds: Int

    /// 5 s idle, then 3 probes 2 s apart (11 s in all); 11 s for unacknowledged data.
    public static let standard = TCPKeepalive(idleSeconds: 5, intervalSeconds: 2, count: 3, userTimeoutMilliseconds: 11_000)

    /// The libpq connection parameters that ask for these values, and a 10-second bound on
    /// connecting (without it a connect to an unreachable host waits for the kernel's SYN
    /// retries, about two minutes).
    var libpqParameters: [(keyword: String, value: String)] {
        [
            ("keepalives", "1"), ("keepalives_idle", String(idleSeconds)), ("keepalives_interval", String(intervalSeconds)),
            ("keepalives_count", String(count)), ("tcp_user_timeout", String(userTimeoutMilliseconds)), ("connect_timeout", "10"),
        ]
    }
}

extension PostgresConnection {
    /// Gives the server's end of a TCP connection the keepalive values libpq uses at ours
    /// (the ones `conninfo` named, or ``TCPKeepalive/standard``). Unix sockets need none.
    func applyServerKeepalive() throws(PostgresError) {
        let handle = try liveHandle()
        guard let host = PQhost(handle).map({ String(cString: $0) }), !host.isEmpty, !host.hasPrefix("/"), !host.hasPrefix("@") else {
            return
        }
        let client = effectiveOptions(["keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"])
        let standard = TCPKeepalive.standard
        try query(
            """
            SELECT set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', $2, false),
                   set_config('tcp_keepalives_count', $3, false), set_config('tcp_user_timeout', $4, false)
            """,
            client["keepalives_idle"] ?? String(standard.idleSeconds),
            client["keepalives_interval"] ?? String(standard.intervalSeconds),
            client["keepalives_count"] ?? String(standard.count),
            client["tcp_user_timeout"] ?? String(standard.userTimeoutMilliseconds))
    }

    /// The values libpq uses for `keywords` on this connection (those that are set).
    func effectiveOptions(_ keywords: Set<String>) -> [String: String] {
        guard let handle, let options = PQconninfo(handle) else { return [:] }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if keywords.contains(name), let value = option.pointee.val { values[name] = String(cString: value) }
            option += 1
        }
        return values
    }
}
