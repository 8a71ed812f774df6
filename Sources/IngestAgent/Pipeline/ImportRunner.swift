public import Importers
import IngestCore
import IngestPostgres
import Synchronization

/// Runs one import in this process (`nexus-ingest import`): the same submitter, planner and
/// chunk workers as the agent, with `<file>.status.json` kept current throughout.
public struct ImportRunner: Sendable {
    private let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Imports `path` as `type` and returns the final job. Content that already SUCCEEDED
    /// is recorded as a duplicate unless `force`. Failures are in the job, not thrown, except
    /// when no job could be created at all. `onProgress` sees the job after every change.
    public func run(
        path: String, type: ImportType, options: ImportOptions = ImportOptions(), force: Bool = false, createdBy: String,
        onProgress: @escaping (JobSnapshot) -> Void = { _ in }
    ) throws -> JobSnapshot {
        let settings = configuration.pipeline
        let spool = Spool(root: settings.spoolDirectory)
        try spool.create()
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        let ledger = JobLedger(connection: connection)
        let presence = Presence(kind: "import", configuration: configuration)
        let owner = try presence.register()
        defer { presence.end() }
        var publisher: StatusPublisher?
        let submitter = JobSubmitter(configuration: configuration, connection: connection, spool: spool, owner: owner, createdBy: createdBy)
        let submission = try submitter.submit(
            path: Files.absolute(path), type: type, options: options, checkSeen: false, force: force,
            onJob: { job in
                publisher = StatusPublisher(ledger: ledger, job: job, intervalMilliseconds: settings.statusIntervalMilliseconds, onChange: onProgress)
                publisher?.publish(force: true)
            },
            progress: { _ in publisher?.publish(force: false) })
        let job: Int64
        switch submission {
        case .planned(let planned, let chunks):
            job = planned
            if chunks > 0 { runWorkers(job: job, presence: presence, ledger: ledger, publisher: publisher!) }
        case .duplicate(let duplicate, _), .failed(let duplicate), .alreadySeen(let duplicate):
            job = duplicate
        case .busy:
            throw ImportFailure(code: .precondition, message: "another nexus-ingest process is importing \(path) right now")
        }
        let ended = try ledger.snapshot(job)!
        // A job still running is an agent's now (it took the job over): its chunks stay.
        if ended.status.isFinal { try? spool.discard(job: job) }
        publisher?.publish(force: true)
        return ended
    }

    /// Runs the worker pool on this job's chunks until none is left, while this thread
    /// refreshes the status file after each chunk. A job the workers leave RUNNING without
    /// holding it for approval (they could not reach the database to record a failure, or the
    /// spool failed) is failed here with their first error, so an import never ends without a
    /// final state. (Unless the job is no longer this process's: when the database counted it
    /// as gone, an agent took the job over and ends it.) When the server dropped this
    /// process's registration (a database restart), the next claim registers it again and
    /// takes the job and the claims of the old registration back.
    func runWorkers(job: Int64, presence: Presence, ledger: JobLedger, publisher: StatusPublisher) {
        let settings = configuration.pipeline
        let pool = WorkerPool(
            count: settings.workers, importers: configuration.importers, spool: Spool(root: settings.spoolDirectory),
            conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        let errors = Mutex<[ImportFailure]>([])
        let done = AtomicFlag()
        let changed = WakeSignal()
        BlockingThread.start(name: "nexus-import") {
            pool.run(
                settings: { settings },
                next: { worker in
                    do {
                        let (owner, replaced) = try presence.renewed()
                        if let replaced { try takeBack(job, from: replaced, as: owner, spool: pool.spool) }
                        return try pool.spool.claim(job: job, owner: owner.worker(worker.index))
                    } catch {
                        errors.withLock { $0.append(ImportFailure(code: .io, message: "spool: \(error)")) }
                        return nil
                    }
                },
                finished: { _, _, outcome, _ in
                    changed.signal()
                    switch outcome {
                    case .failed(let failure), .returned(let failure):
                        errors.withLock { $0.append(failure) }
                        return false
                    case .loaded, .alreadyDone, .abandoned, .superseded:
                        return true
                    }
                })
            done.set()
            changed.signal()
        }
        while !done.isSet {
            let ticket = changed.ticket()
            publisher.publish(force: false)
            if done.isSet { break }
            changed.wait(after: ticket, milliseconds: settings.statusIntervalMilliseconds)
        }
        if let snapshot = try? ledger.snapshot(job), snapshot.status == .running, snapshot.waiting == nil,
           let owner = presence.owner, (try? ledger.job(job))??.agentId == owner.agent {
            let failure = errors.withLock { $0.first }
                ?? ImportFailure(code: .internalError, message: "the workers stopped before every chunk was loaded")
            _ = try? ledger.fail(job, failure)
        }
    }

    /// After registering again: the job is this process's under its new registration, and the
    /// claims it made under the old one (loads the ledger refused as the old id's) go back to
    /// `ready/`. If an agent took the job over meanwhile, it shares the chunks; the ledger
    /// still loads each once.
    private func takeBack(_ job: Int64, from replaced: ClaimOwner, as owner: ClaimOwner, spool: Spool) throws {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        try JobLedger(connection: connection).adopt(job, owner: owner)
        for claim in try spool.claims() where claim.job == job && claim.owner?.agent == replaced.agent {
            _ = try spool.unclaim(claim.name)
        }
    }
}
