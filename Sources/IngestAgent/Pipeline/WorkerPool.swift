import Importers
import IngestPostgres

/// The chunk workers of one process, the agent's or one `import`'s: `count` threads, each with
/// its own database connection, each loading one claimed chunk at a time.
struct WorkerPool: Sendable {
    /// One worker thread.
    struct Worker: Sendable {
        var index: Int
    }

    let count: Int
    let importers: ImporterRegistry
    let spool: Spool
    let conninfo: String
    let schema: String

    /// Blocks until every worker stopped. `next` gives a worker its next claimed chunk and may
    /// wait for one (nil stops the worker); `settings` are read for each chunk (the agent's live
    /// ones); `finished` sees each outcome and tells whether the worker goes on.
    func run(
        settings: @escaping @Sendable () -> PipelineSettings,
        next: @escaping @Sendable (Worker) -> Spool.ClaimedChunk?,
        finished: @escaping @Sendable (Worker, Spool.ClaimedChunk, ChunkOutcome, _ milliseconds: Int64) -> Bool
    ) {
        runOnThreads(count: count) { [self] index in
            let worker = Worker(index: index)
            let connection = WorkerConnection(conninfo: conninfo, schema: schema)
            while let chunk = next(worker) {
                let started = monotonicMilliseconds()
                let dispatcher = ChunkDispatcher(importers: importers, settings: settings(), spool: spool, connection: connection)
                let outcome = dispatcher.process(chunk)
                guard finished(worker, chunk, outcome, monotonicMilliseconds() - started) else { return }
            }
        }
    }
}
