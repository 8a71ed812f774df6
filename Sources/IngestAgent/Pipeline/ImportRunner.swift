import Importers
public import IngestCore
import IngestPostgres

/// Runs one import in this process (`nexus-ingest import`): creates the job, plans it with
/// the same planner as the agent, loads its chunks with a pool of worker threads, finalizes,
/// and keeps `<file>.status.json` current throughout.
public struct ImportRunner: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Imports `path` as `type`. `onProgress` sees the job after every change (from the
    /// calling thread). Returns the final job; failures are in the job, not thrown, except
    /// when no job could be created at all.
    public func run(path: String, type: ImportType, createdBy: String, onProgress: @escaping (JobSnapshot) -> Void = { _ in })
        throws -> JobSnapshot
    {
        try ImporterRegistry.visit(type, RunVisitor(configuration: configuration, path: path, createdBy: createdBy, onProgress: onProgress))
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
                runWorkers(importer: importer, job: job, settings: settings, spool: spool, publisher: publisher)
            }
        } catch {
            // The job row already holds the failure; the status file shows it below.
        }
        try? spool.discard(job: job)
        publisher.publish(force: true)
        return try store.snapshot(job)!
    }

    /// Runs `settings.workers` threads that claim this job's chunks until none is left,
    /// while this thread refreshes the status file.
    private func runWorkers<I: Importer>(importer: I, job: Int64, settings: PipelineSettings, spool: Spool, publisher: StatusPublisher) {
        let host = Files.hostName()
        let pid = processID
        let conninfo = configuration.conninfo
        let schema = configuration.databaseSchema
        let done = AtomicFlag()
        let workers = min(settings.workers, PipelineSettings.maxChunks)
        let pool = WorkerThreads {
            runOnThreads(count: workers) { index in
                let worker = ChunkWorker(importer: importer, settings: settings, spool: spool, owner: "\(host).\(pid).\(index)") {
                    let connection = try PostgresConnection(conninfo: conninfo)
                    try connection.setSearchPath(schema)
                    return connection
                }
                while let chunk = try? spool.claim(job: job, owner: "\(host).\(pid).\(index)") {
                    if case .failed = worker.process(chunk) { break }
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
    }
}
