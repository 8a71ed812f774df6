/// Who holds a claim or a job: a process on a host, registered in the database as agent
/// `agent` (``AgentRegistry``), and one of its workers for a claim.
///
/// Written as `<host>:<pid>:a<agent>[:<worker>]` in claim file names (`<chunk>@<owner>`) and
/// in the ledger's `owner` columns. Versions before the registry wrote `<host>:<pid>[:<worker>]`;
/// such owners still parse, with no agent, and are judged the old way (a local pid, or the
/// claim lease for another host).
struct ClaimOwner: Sendable, Equatable, CustomStringConvertible {
    var host: String
    var pid: Int32
    /// The registered process; nil for an owner written before the registry.
    var agent: Int64?
    /// The worker thread holding a claim; nil for the process itself.
    var worker: Int?

    /// The same process as the holder of worker `index`'s claims.
    func worker(_ index: Int) -> ClaimOwner {
        var owner = self
        owner.worker = index
        return owner
    }

    /// The process itself, without a worker.
    var process: ClaimOwner {
        var owner = self
        owner.worker = nil
        return owner
    }

    var description: String {
        var text = "\(host):\(pid)"
        if let agent { text += ":a\(agent)" }
        if let worker { text += ":\(worker)" }
        return text
    }

    init(host: String, pid: Int32, agent: Int64?, worker: Int? = nil) {
        self.host = host
        self.pid = pid
        self.agent = agent
        self.worker = worker
    }

    /// Parses an owner as ``description`` writes it (or as older versions did); nil when it
    /// is not one.
    init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 4, !parts[0].isEmpty, let pid = Int32(parts[1]) else { return nil }
        var rest = parts.dropFirst(2)
        var agent: Int64?
        if let first = rest.first, first.hasPrefix("a") {
            guard let id = Int64(first.dropFirst()) else { return nil }
            agent = id
            rest = rest.dropFirst()
        }
        var worker: Int?
        if let last = rest.first {
            guard rest.count == 1, let index = Int(last) else { return nil }
            worker = index
        }
        self.init(host: String(parts[0]), pid: pid, agent: agent, worker: worker)
    }
}
