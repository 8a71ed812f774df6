/// Decides when an upload is complete: its size and mtime unchanged for `settle`
/// milliseconds (resumed SFTP uploads close and reopen files). Pure: the caller passes the
/// probes and the clock.
struct CandidateTracker {
    private struct Observation {
        var size: Int64
        var mtime: Int64
        var stableSince: Int64
    }

    private var pending: [String: Observation] = [:]

    /// The files being watched for completion.
    var count: Int { pending.count }

    /// Records what `path` looks like at `now`; a change restarts its settle time.
    mutating func note(_ path: String, size: Int64, mtime: Int64, now: Int64) {
        if let seen = pending[path], seen.size == size, seen.mtime == mtime { return }
        pending[path] = Observation(size: size, mtime: mtime, stableSince: now)
    }

    /// Restarts the settle time of `path` (e.g. a writer still has it open).
    mutating func restart(_ path: String, now: Int64) {
        pending[path]?.stableSince = now
    }

    /// Forgets `path` (handed on, or gone).
    mutating func forget(_ path: String) { pending[path] = nil }

    /// The paths whose probe is unchanged for `settle` ms. `probe` returns (size, mtime) or
    /// nil when the file is gone; changed files restart, vanished ones are forgotten.
    mutating func settled(now: Int64, settle: Int64, probe: (String) -> (size: Int64, mtime: Int64)?) -> [String] {
        var ready: [String] = []
        for (path, seen) in pending {
            guard let current = probe(path) else {
                pending[path] = nil
                continue
            }
            if current.size != seen.size || current.mtime != seen.mtime {
                pending[path] = Observation(size: current.size, mtime: current.mtime, stableSince: now)
            } else if now - seen.stableSince >= settle {
                ready.append(path)
            }
        }
        return ready.sorted()
    }
}
