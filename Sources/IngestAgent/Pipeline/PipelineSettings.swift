/// The knobs of planning and loading (config keys in parentheses).
public struct PipelineSettings: Sendable, Equatable {
    /// How many chunks a plan makes.
    public enum ChunkCount: Sendable, Equatable {
        /// Sized by ``PipelineSettings/chunkTargetBytes``, rounded up to a multiple of the worker
        /// count (at least one chunk per worker), at most 256.
        case auto
        /// Exactly this many partitions (empty ones are not enqueued).
        case fixed(Int)
    }

    /// The spool directory with `tmp/`, `ready/` and `claimed/` (`spool_dir`).
    public var spoolDirectory: String
    /// Worker threads, each with its own connection (`workers`, default: the core count).
    public var workers: Int
    /// `chunks`: `auto` or a number.
    public var chunks: ChunkCount
    /// Target chunk size for `chunks: auto` (`chunk_target_size`, bytes, default 64 MiB).
    public var chunkTargetBytes: Int64
    /// Rejected rows tolerated (`max_rejects`, default 0).
    public var maxRejects: Int
    /// Rejected fraction of data rows tolerated (`max_reject_ratio`, default 0). A job fails
    /// when its rejects exceed both limits, so the defaults make any reject fail it.
    public var maxRejectRatio: Double
    /// Attempts per chunk before a transient error fails the job (`retry.max_attempts`).
    public var maxAttempts: Int
    /// First retry delay; doubled per attempt, capped at 30 s (`retry.initial_backoff_ms`).
    public var initialBackoffMilliseconds: Int
    /// Minimum interval between progress writes of a status file (`status_interval_ms`).
    public var statusIntervalMilliseconds: Int

    /// The largest number of chunks a plan makes.
    public static let maxChunks = 256

    public init(
        spoolDirectory: String, workers: Int, chunks: ChunkCount = .auto, chunkTargetBytes: Int64 = 64 << 20,
        maxRejects: Int = 0, maxRejectRatio: Double = 0, maxAttempts: Int = 5, initialBackoffMilliseconds: Int = 200,
        statusIntervalMilliseconds: Int = 1000
    ) {
        self.spoolDirectory = spoolDirectory
        self.workers = max(1, workers)
        self.chunks = chunks
        self.chunkTargetBytes = max(1, chunkTargetBytes)
        self.maxRejects = max(0, maxRejects)
        self.maxRejectRatio = max(0, maxRejectRatio)
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoffMilliseconds = max(1, initialBackoffMilliseconds)
        self.statusIntervalMilliseconds = max(50, statusIntervalMilliseconds)
    }

    /// The number of partitions for a file of `fileSize` bytes.
    public func partitionCount(fileSize: Int64) -> Int {
        switch chunks {
        case .fixed(let count):
            return min(max(1, count), Self.maxChunks)
        case .auto:
            // Whole rounds of chunks: the chunks of a file are about equal, so 5 chunks on 2
            // workers end with one worker idle for a whole chunk. A 5M-row Golden Components
            // file (277 MB): 5 chunks of about 8.5 s each loaded in about 25 s, 6 in about 22 s.
            let bySize = max(1, Int((fileSize + chunkTargetBytes - 1) / chunkTargetBytes))
            let rounded = (bySize + workers - 1) / workers * workers
            guard rounded > Self.maxChunks else { return rounded }
            return workers <= Self.maxChunks ? Self.maxChunks / workers * workers : Self.maxChunks
        }
    }

    /// Whether `rejects` of `dataRows` is more than the limits allow.
    public func rejectsExceedLimits(rejects: Int, dataRows: Int) -> Bool {
        guard rejects > 0 else { return false }
        let ratio = Double(rejects) / Double(max(dataRows, 1))
        return rejects > maxRejects && ratio > maxRejectRatio
    }

    /// The delay before retry number `attempt` (1-based).
    public func backoffMilliseconds(attempt: Int) -> Int {
        min(30_000, initialBackoffMilliseconds << min(attempt - 1, 16))
    }
}
