extension PostgresConnection {
    /// Runs `body` holding the session advisory lock named `key` (hashed with
    /// `hashtextextended`), waiting for it; the lock is released when `body` returns or throws.
    public func withAdvisoryLock<T>(_ key: String, _ body: () throws -> T) throws -> T {
        try query("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        defer { unlockAdvisory(key) }
        return try body()
    }

    /// Like ``withAdvisoryLock(_:_:)`` without waiting: nil, and `body` not run, when another
    /// session holds the lock.
    public func withTryAdvisoryLock<T>(_ key: String, _ body: () throws -> T) throws -> T? {
        guard try query("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key).first?.require(0, as: Bool.self) == true
        else { return nil }
        defer { unlockAdvisory(key) }
        return try body()
    }

    private func unlockAdvisory(_ key: String) {
        _ = try? query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)
    }
}
