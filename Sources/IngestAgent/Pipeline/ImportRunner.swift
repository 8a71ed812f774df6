public import Importers
public import IngestCore
import IngestPostgres
import Synchronization

/// Runs one import in this process (`nexus-ingest import`): creates the job, plans it with
/// the same planner as the agent, loads its chunks with a pool of worker threads, finalizes,
/// and keeps `<file>.status.json` current throughout.
public struct ImportRunner: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Imports `path` as `type`. `onProgress` sees the job after every change (from the
    /// calling thread). Returns the final job; failures are in the job, not thrown, except
    /// when no job could be created at all.
    public func run(
        path: String, type: ImportType, options: ImportOptions = ImportOptions(), createdBy: String,
        onProgress: @escaping (JobSnapshot) -> Void = { _ in }
    ) throws -> JobSnapshot {
        try ImporterRegistry.visit(
            type, options: options,
            RunVisitor(configuration: configuration, path: path, createdBy: createdBy, onProgress: onProgress))
    }
}

private struct RunVisitor: ImporterVisitor {
    let configuration: AgentConfiguration
    let path: String
    let createdBy: String
    let onProgress: (JobSnapshot) -> Void

    func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(conninfo: configuration.conninfo)
        try connection.setSearchPath(configuration.databaseSchema)
        return connection
    }

    func visit<I: Importer>(_ importer: I) throws -> JobSnapshot {
        let settings = configuration.pipeline
        let absolute = Files.absolute(path)
        guard let size = try Files.regularFileSize(absolute) else {
            throw ImportFailure(code: .io, message: "\(absolute) is not a regular file")
        }
        let spool = Spool(root: settings.spoolDirectory)
        try spool.create()
        let connection = try connect()
        let store = JobStore(connection: connection)
        let name = String(absolute.split(separator: "/").last ?? "")
        let job = try store.createJob(
            type: importer.type, target: importer.target, path: absolute, fileName: name, size: size, createdBy: createdBy)
        try store.markRunning(job, message: "Planning")
        let publisher = StatusPublisher(store: store, job: job, intervalMilliseconds: settings.statusIntervalMilliseconds, onChange: onProgress)
        publisher.publish(force: true)

        let planner = Planner(importer: importer, settings: settings, spool: spool, connection: connection, delimiter: .comma)
        do {
            let summary = try planner.plan(job: job, path: absolute, fileSize: size) { percent in
                try? store.setProgress(job, progress: percent, message: "Planning")
                publisher.publish(force: false)
            }
            publisher.publish(force: true)
            if summary.chunkIndexes.isEmpty {
                try Finalizer(importer: importer, settings: settings).finalize(job: job, connection: connection, reconnect: connect)
            } else {
                runWorkers(importer: importer, job: job, settings: settings, spool: spool, store: store, publisher: publisher)
            }
        } catch {
            // The job row already holds the failure; the status file shows it below.
        }
        try? spool.discard(job: job)
        publisher.publish(force: true)
        return try store.snapshot(job)!
    }

    /// Runs `settings.workers` threads that claim this job's chunks until none is left,
    /// while this thread refreshes the status file. A job the workers leave RUNNING (they
    /// could not reach the database to record a failure, or the spool failed) is failed
    /// here with their first error, so an import never ends without a final state.
    private func runWorkers<I: Importer>(
        importer: I, job: Int64, settings: PipelineSettings, spool: Spool, store: JobStore, publisher: StatusPublisher
    ) {
        let host = Files.hostName()
        let pid = processID
        let conninfo = configuration.conninfo
        let schema = configuration.databaseSchema
        let done = AtomicFlag()
        let errors = Mutex<[ImportFailure]>([])
        let pool = WorkerThreads {
            runOnThreads(count: settings.workers) { index in
                let owner = "\(host).\(pid).\(index)"
                let worker = ChunkWorker(importer: importer, settings: settings, spool: spool, owner: owner) {
                    let connection = try PostgresConnection(conninfo: conninfo)
                    try connection.setSearchPath(schema)
                    return connection
                }
                while true {
                    let chunk: Spool.ClaimedChunk?
                    do {
                        chunk = try spool.claim(job: job, owner: owner)
                    } catch {
                        errors.withLock { $0.append(ImportFailure(code: .io, message: "spool: \(error)")) }
                        return
                    }
                    guard let chunk else { return }
                    if case .failed(let failure) = worker.process(chunk) {
                        errors.withLock { $0.append(failure) }
                        return
                    }
                }
            }
            done.set()
        }
        pool.start()
        while !done.isSet {
            sleepMilliseconds(min(200, settings.statusIntervalMilliseconds))
            publisher.publish(force: false)
        }
        pool.join()
        if let snapshot = try? store.snapshot(job), snapshot.status == .running {
            let failure = errors.withLock { $0.first }
                ?? ImportFailure(code: .internalError, message: "the workers stopped before every chunk was loaded")
            _ = try? store.fail(job, failure)
        }
    }
}
