@testable import IngestAgent

extension ClaimOwner {
    /// An owner for tests that drive the spool and workers by hand: not registered (as owners
    /// before the registry were), so the ledger lets it load without a presence lock.
    static func test(_ worker: Int? = nil) -> ClaimOwner { ClaimOwner(host: "test", pid: 1, agent: nil, worker: worker) }
}
