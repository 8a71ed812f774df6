/// Keeps one upload's status file in step with its job row: rewritten on every change of
/// state, and for progress at most every `status_interval_ms`.
final class StatusPublisher {
    private let ledger: JobLedger
    private let job: Int64
    private let intervalMilliseconds: Int
    private let onChange: (JobSnapshot) -> Void
    private var last: JobSnapshot?
    private var lastWrite: Int64 = 0

    /// Whether the last written status is final.
    var isFinal: Bool { last?.status.isFinal == true }

    init(ledger: JobLedger, job: Int64, intervalMilliseconds: Int, onChange: @escaping (JobSnapshot) -> Void) {
        self.ledger = ledger
        self.job = job
        self.intervalMilliseconds = intervalMilliseconds
        self.onChange = onChange
    }

    /// Reads the job and rewrites the status file if it changed. Unless `force`, a change of
    /// progress alone waits for the interval; a change of status never waits. Progress and
    /// rows loaded never go backwards in the file, not even across a restart of the agent (a
    /// chunk that is retried sends its rows again).
    func publish(force: Bool) {
        guard var snapshot = try? ledger.snapshot(job) else { return }
        let floor = last.map { ($0.progress, $0.rows?.loaded ?? 0) } ?? writtenFloor(snapshot)
        snapshot.progress = max(snapshot.progress, floor.0)
        if let rows = snapshot.rows { snapshot.rows?.loaded = min(rows.total, max(rows.loaded, floor.1)) }
        guard snapshot != last else { return }
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

    /// The progress and rows loaded of this job's status file as an earlier process wrote it.
    private func writtenFloor(_ snapshot: JobSnapshot) -> (Int, Int) {
        guard let path = snapshot.statusPath, let written = try? StatusFileWriter.read(path), written.jobId == String(job) else {
            return (0, 0)
        }
        return (written.progress, written.rows?.loaded ?? 0)
    }
}
