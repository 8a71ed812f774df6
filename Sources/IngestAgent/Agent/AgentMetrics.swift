import Synchronization

/// The agent's counters, written in the Prometheus text format to `metrics_file`
/// (node_exporter's textfile collector) and printed by `nexus-ingest status --metrics`.
final class AgentMetrics: Sendable {
    private struct Counters {
        var filesSeen = 0
        var filesIgnored = 0
        var jobsFinished: [String: Int] = [:]
        var chunksLoaded = 0
        var chunksFailed = 0
        var bytesPlanned: Int64 = 0
        var rejectedRows = 0
        var lastSuccess: Int64 = 0
    }

    private let counters = Mutex(Counters())

    func fileSeen() { counters.withLock { $0.filesSeen += 1 } }
    func fileIgnored() { counters.withLock { $0.filesIgnored += 1 } }
    func chunkLoaded() { counters.withLock { $0.chunksLoaded += 1 } }
    func chunkFailed() { counters.withLock { $0.chunksFailed += 1 } }
    func planned(bytes: Int64) { counters.withLock { $0.bytesPlanned += bytes } }

    func jobFinished(status: String, rejects: Int, at seconds: Int64) {
        counters.withLock {
            $0.jobsFinished[status, default: 0] += 1
            $0.rejectedRows += rejects
            if status == "SUCCEEDED" { $0.lastSuccess = seconds }
        }
    }

    /// The metrics in the Prometheus text exposition format.
    func render(readyChunks: Int, planQueue: Int) -> String {
        let c = counters.withLock { $0 }
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP nexus_ingest_\(name) \(help)")
            lines.append("# TYPE nexus_ingest_\(name) \(type)")
            for (labels, value) in samples { lines.append("nexus_ingest_\(name)\(labels) \(value)") }
        }
        metric("files_seen_total", "counter", "Uploads handed to the planner.", [("", "\(c.filesSeen)")])
        metric("files_ignored_total", "counter", "Drop-directory entries ignored (hidden, temporary, unrouted, not regular).", [("", "\(c.filesIgnored)")])
        metric("jobs_finished_total", "counter", "Jobs that ended, by status.",
               ["SUCCEEDED", "FAILED"].map { ("{status=\"\($0)\"}", "\(c.jobsFinished[$0] ?? 0)") })
        metric("chunks_loaded_total", "counter", "Chunks loaded by this agent's workers.", [("", "\(c.chunksLoaded)")])
        metric("chunks_failed_total", "counter", "Chunks that failed their job.", [("", "\(c.chunksFailed)")])
        metric("bytes_planned_total", "counter", "Upload bytes planned.", [("", "\(c.bytesPlanned)")])
        metric("rejected_rows_total", "counter", "Rows rejected in finished jobs.", [("", "\(c.rejectedRows)")])
        metric("ready_chunks", "gauge", "Chunk files waiting in spool/ready.", [("", "\(readyChunks)")])
        metric("plan_queue", "gauge", "Complete uploads waiting for the planner.", [("", "\(planQueue)")])
        metric("last_success_timestamp_seconds", "gauge", "When a job last SUCCEEDED (Unix time).", [("", "\(c.lastSuccess)")])
        return lines.joined(separator: "\n") + "\n"
    }
}
