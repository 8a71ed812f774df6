import Synchronization

/// Whether each part of the agent that must make progress (the watcher, the planner, every
/// worker) still does: each part beats, and a beat counts for an allowance (short when the
/// part is idle and wakes often, as long as the claim lease while it loads a chunk). The
/// watchdog tells systemd the agent is alive only while no part is overdue.
final class Liveness: Sendable {
    private let deadlines = Mutex<[String: Int64]>([:])

    /// How long an idle part may go without a beat (its loop wakes at least every second).
    static let idleAllowanceMilliseconds: Int64 = 30_000

    /// `part` made progress at `now` and counts as alive for `allowance` more milliseconds.
    func beat(_ part: String, now: Int64 = monotonicMilliseconds(), allowance: Int64 = idleAllowanceMilliseconds) {
        deadlines.withLock { $0[part] = now + allowance }
    }

    /// `part` stopped on purpose (a graceful shutdown): it is no longer watched.
    func retire(_ part: String) { _ = deadlines.withLock { $0.removeValue(forKey: part) } }

    /// The parts whose allowance ran out before `now`, sorted.
    func overdue(now: Int64 = monotonicMilliseconds()) -> [String] {
        deadlines.withLock { $0.filter { $0.value < now }.map(\.key) }.sorted()
    }
}
