/// A live registered process, as `nexus-ingest agents` lists it.
public struct AgentRecord: Sendable, Equatable {
    /// Its registration id (the `a<id>` in claim owners).
    public var id: Int64
    public var host: String
    public var pid: Int32
    /// `agent`, `import` or `retry`.
    public var kind: String
    /// The nexus-ingest version it runs.
    public var version: String
    /// When it registered, RFC 3339 UTC.
    public var startedAt: String
    /// Chunks it is loading now (their current attempt is its).
    public var chunksHeld: Int
    /// Jobs it owns that have not ended.
    public var jobsOwned: Int
}
