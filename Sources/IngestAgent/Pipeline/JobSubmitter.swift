import Importers
import IngestCore
import IngestPostgres

/// What became of one upload handed to ``JobSubmitter``.
enum Submission: Equatable {
    /// This version of the file (path, size, mtime) has a job already.
    case alreadySeen(job: Int64)
    /// Another agent is handling the file right now.
    case busy
    /// The content was imported before: a SUCCEEDED job marks it as a duplicate.
    case duplicate(job: Int64, of: Int64)
    /// Planned: `chunks` are claimable (none: the job is already finalized).
    case planned(job: Int64, chunks: Int)
    /// The job failed while it was created or planned (its row says why).
    case failed(job: Int64)
}

/// Turns an upload into a planned job: identity (DESIGN §4), duplicates, job row, plan.
/// Shared by `nexus-ingest import` and the agent's planner thread.
struct JobSubmitter {
    let configuration: AgentConfiguration
    let connection: PostgresConnection
    let spool: Spool
    /// This process, registered (``Presence``): the job's owner.
    let owner: ClaimOwner
    let createdBy: String

    private var ledger: JobLedger { JobLedger(connection: connection) }

    /// Submits `path`. `checkSeen`: skip a file version that has a job already (the agent);
    /// `force`: import even identical content again. `onJob` sees the new job id first,
    /// `progress` the planning progress (it may throw to abandon the plan).
    func submit(
        path: String, type: ImportType, options: ImportOptions, checkSeen: Bool, force: Bool,
        onJob: @escaping (Int64) -> Void = { _ in }, progress: @escaping (Int) throws -> Void = { _ in }
    ) throws -> Submission {
        guard let probe = FileProbe.probe(path), probe.kind == .regular else {
            throw ImportFailure(code: .io, message: "\(path) is not a regular file")
        }
        let submission = try connection.withTryAdvisoryLock("nexus-ingest file \(path)") {
            try submitLocked(
                path: path, probe: probe, type: type, options: options, checkSeen: checkSeen, force: force, onJob: onJob,
                progress: progress)
        }
        return submission ?? .busy
    }

    /// ``submit(path:type:options:checkSeen:force:onJob:progress:)`` once this process holds the path's lock.
    private func submitLocked(
        path: String, probe: FileProbe, type: ImportType, options: ImportOptions, checkSeen: Bool, force: Bool,
        onJob: @escaping (Int64) -> Void, progress: @escaping (Int) throws -> Void
    ) throws -> Submission {
        let mtime = probe.mtimeNanoseconds / 1000
        if checkSeen, let job = try ledger.jobForFileVersion(path: path, size: probe.size, mtimeMicroseconds: mtime) {
            return .alreadySeen(job: job)
        }
        let name = String(path.split(separator: "/").last ?? "")
        var options = options
        options.createsProject = configuration.agent.autoCreateProjects
        options.company = configuration.agent.defaultCompany
        return try plan(
            try configuration.importers.importer(for: type, options: options), path: path, name: name, probe: probe,
            options: options, force: force, onJob: onJob, progress: progress)
    }

    /// Creates the job and plans the file with `importer`.
    private func plan<I: Importer>(
        _ importer: I, path: String, name: String, probe: FileProbe, options: ImportOptions, force: Bool,
        onJob: (Int64) -> Void, progress: @escaping (Int) throws -> Void
    ) throws -> Submission {
        let settings = configuration.pipeline
        let planner = Planner(importer: importer, options: options, settings: settings, spool: spool, connection: connection)
        // What the job is, recorded with it: `retry` plans a job that failed while planning again with it.
        let job = try ledger.createJob(
            type: importer.type, target: importer.target, path: path, fileName: name, size: probe.size,
            mtimeMicroseconds: probe.mtimeNanoseconds / 1000, owner: owner, createdBy: createdBy, meta: .object(planner.identity))
        onJob(job)
        let summary: PlanSummary
        // Planning progress reaches the ledger at most twice per status-file interval: each
        // write is a commit, and the status file would not show more (nine commits were a
        // tenth of planning a 24 MB file).
        let progressInterval = Int64(settings.statusIntervalMilliseconds / 2)
        var progressWritten = monotonicMilliseconds()
        do {
            // The SHA-256 comes from the planning pass: the file is read once.
            let outcome = try planner.plan(
                job: job, path: path, file: probe,
                duplicateOf: { [ledger] sha256 in
                    force ? nil : try ledger.succeededJob(type: importer.type, target: importer.target, sha256: sha256)
                },
                progress: { [ledger] percent in
                    let now = monotonicMilliseconds()
                    if now - progressWritten >= progressInterval {
                        progressWritten = now
                        try? ledger.setProgress(job, progress: percent, message: "Planning")
                    }
                    try progress(percent)
                })
            switch outcome {
            case .duplicate(let original): return .duplicate(job: job, of: original)
            case .planned(let planned): summary = planned
            }
        } catch {
            return .failed(job: job)
        }
        if summary.chunkIndexes.isEmpty {
            let connection = self.connection
            do {
                try Finalizer(importer: importer, settings: settings).finalize(job: job, connection: WorkerConnection { connection })
            } catch {
                return .failed(job: job)
            }
        }
        return .planned(job: job, chunks: summary.chunkIndexes.count)
    }
}
