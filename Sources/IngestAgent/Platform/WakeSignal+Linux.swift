/// Wakes threads that wait for work (a pthread condition variable on the monotonic clock):
/// the planner when an upload is complete, workers when chunks are published, the status
/// thread when a job changes state. A waiter takes a ``ticket()`` *before* it looks for work
/// and waits only if nothing was signalled since, so a signal sent between the look and the
/// wait is never lost.
final class WakeSignal: @unchecked Sendable {
    private let lock = ConditionLock()
    /// Guarded by `lock`.
    private var generation: UInt64 = 0

    /// The signals so far; hand it to ``wait(after:milliseconds:)``.
    func ticket() -> UInt64 {
        lock.withLock { generation }
    }

    /// Wakes every waiter.
    func signal() {
        lock.withLock {
            generation &+= 1
            lock.broadcast()
        }
    }

    /// Returns once a signal came after `ticket` was taken, or after `milliseconds`.
    func wait(after ticket: UInt64, milliseconds: Int) {
        let deadline = ConditionLock.deadline(afterMilliseconds: milliseconds)
        lock.withLock {
            while generation == ticket {
                if !lock.wait(until: deadline) { return }
            }
        }
    }
}
