/// Keeps one upload's status file in step with its job row: rewritten on every change of
/// state, and for progress at most every `status_interval_ms`.
final class StatusPublisher {
    private let store: JobStore
    private let job: Int64
    private let intervalMilliseconds: Int
    private let onChange: (JobSnapshot) -> Void
    private var last: JobSnapshot?
    private var lastWrite: Int64 = 0

    /// Whether the last written status is final.
    var isFinal: Bool { last?.status.isFinal == true }

    init(store: JobStore, job: Int64, intervalMilliseconds: Int, onChange: @escaping (JobSnapshot) -> Void) {
        self.store = store
        self.job = job
        self.intervalMilliseconds = intervalMilliseconds
        self.onChange = onChange
    }

    /// Reads the job and rewrites the status file if it changed. Unless `force`, a change of
    /// progress alone waits for the interval; a change of status never waits.
    func publish(force: Bool) {
        guard let snapshot = try? store.snapshot(job), snapshot != last else { return }
        let now = monotonicMilliseconds()
        let statusChanged = snapshot.status != last?.status
        guard force || statusChanged || now - lastWrite >= Int64(intervalMilliseconds) else { return }
        do {
            try StatusFileWriter.write(snapshot)
        } catch {
            // A status file that cannot be written must not stop the import; the job row
            // stays the truth and the next publish tries again.
            return
        }
        last = snapshot
        lastWrite = now
        onChange(snapshot)
    }
}
