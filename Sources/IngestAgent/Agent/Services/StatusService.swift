import IngestPostgres
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle

/// Keeps each tracked job's status file next to its upload current, and the metrics file.
/// A job that changed state (created, planned, a chunk loaded, finalized) is written at once;
/// every job is read again each `status_interval_ms` for progress. Stops last, after a final
/// round, so the files show what the workers left.
struct StatusService: Service {
    let context: AgentContext

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-status") { loop() }
        } onGracefulShutdown: {
            context.state.withLock { $0.stopWriting = true }
            context.statusWake.signal()
        }
    }

    private var logger: Logger { context.logger }

    private func loop() {
        var connection: PostgresConnection?
        var publishers: [Int64: StatusPublisher] = [:]
        var lastRound: Int64 = 0
        while true {
            let ticket = context.statusWake.ticket()
            let (stopping, tracked, changed) = context.state.withLock { state in
                defer { state.changedJobs.removeAll() }
                return (state.stopWriting, state.trackedJobs, state.changedJobs)
            }
            let interval = Int64(context.configuration.pipeline.statusIntervalMilliseconds)
            let now = monotonicMilliseconds()
            let fullRound = stopping || now - lastRound >= interval
            let jobs = fullRound ? tracked : tracked.intersection(changed)
            do {
                if connection?.isOpen != true {
                    connection = try context.connect()
                    // Publishers read through the connection they were made with.
                    publishers.removeAll()
                }
                let ledger = JobLedger(connection: connection!)
                for job in jobs.sorted() {
                    let publisher = publishers[job] ?? StatusPublisher(ledger: ledger, job: job, intervalMilliseconds: Int(interval)) { snapshot in
                        report(snapshot)
                    }
                    publishers[job] = publisher
                    publisher.publish(force: false)
                    if publisher.isFinal {
                        publishers[job] = nil
                        context.state.withLock { _ = $0.trackedJobs.remove(job) }
                    }
                }
                // A publisher swallows a failed read (the status file keeps its last state);
                // a connection lost to a server restart shows here, and the next round
                // reconnects and reads every job again.
                if connection?.isOpen != true { connection = nil }
            } catch {
                connection = nil
            }
            if connection == nil { context.state.withLock { $0.changedJobs.formUnion(jobs) } }
            if fullRound {
                writeMetrics()
                lastRound = now
            }
            if stopping { return }
            // Woken by every change of state; the timeout paces progress.
            let untilRound = lastRound + interval - monotonicMilliseconds()
            context.statusWake.wait(after: ticket, milliseconds: Int(max(10, min(untilRound, interval))))
        }
    }

    /// Logs what operators watch for: a job held for approval, and every job's end.
    private func report(_ snapshot: JobSnapshot) {
        if let waiting = snapshot.waiting {
            logger.notice("job waiting for approval", metadata: [
                "job": "\(snapshot.id)", "file": "\(snapshot.fileName ?? "")",
                "reason": "\(waiting["reason"]?.stringValue ?? "")",
                "publish": "\(waiting["publishCommand"]?.stringValue ?? "")",
            ])
        }
        guard snapshot.status.isFinal else { return }
        context.metrics.jobFinished(status: snapshot.status.rawValue, rejects: snapshot.rejectsCount, at: Int64(time(nil)))
        logger.info("job finished", metadata: [
            "job": "\(snapshot.id)", "status": "\(snapshot.status.rawValue)", "file": "\(snapshot.fileName ?? "")",
            "message": "\(snapshot.message ?? "")",
        ])
    }

    private func writeMetrics() {
        guard let metricsFile = context.configuration.agent.metricsFile else { return }
        let ready = ((try? Files.list(context.spool.readyDirectory)) ?? []).count
        let queue = context.state.withLock { $0.planQueue.count }
        let text = context.metrics.render(readyChunks: ready, planQueue: queue)
        try? Files.writeAtomically(Array(text.utf8), to: metricsFile, mode: 0o644)
    }
}
