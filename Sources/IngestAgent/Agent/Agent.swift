import Importers
import IngestCore
import IngestPostgres
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The daemon (`nexus-ingest run`): watches the drop root, plans each complete upload once,
/// and loads chunks with a pool of workers (DESIGN §1).
///
/// Threads: the caller's thread watches (inotify, scans, settle checks); one planner thread
/// submits complete uploads; `workers` threads claim chunks of any job; one thread keeps
/// status files and the metrics file current. `requestStop()` stops watching and planning,
/// lets in-flight chunks finish within the grace period, and returns claimed-but-unfinished
/// chunks to `ready/`.
public final class Agent: Sendable {
    private struct Shared {
        var settings: AgentSettings
        var pipeline: PipelineSettings
        var stopping = false
        var planQueue: [(path: String, match: RouteTable.Match)] = []
        var queued: Set<String> = []
        /// Files handed to the planner, by the (size, mtime) they had then.
        var seen: [String: (size: Int64, mtime: Int64)] = [:]
        var trackedJobs: Set<Int64> = []
        /// Settled uploads whose route waits for a completion signal that is not there yet.
        var waiting: Set<String> = []
        var activeWorkers = 0
    }

    private let configuration: AgentConfiguration
    private let logger: Logger
    private let shared: Mutex<Shared>
    private let metrics = AgentMetrics()
    private let host = Files.hostName()
    private let owner: String
    private let watcher: InotifyWatcher
    private let spool: Spool
    /// Hand-offs: an upload is queued (planner), chunks are claimable (workers), a job
    /// changed state (status files). Waits time out only as a fallback for work that no
    /// thread of this process announces (another agent's chunks on a shared spool).
    private let planWake = WakeSignal()
    private let workWake = WakeSignal()
    private let statusWake = WakeSignal()

    /// Creates an agent; nothing runs until ``run()``.
    public init(configuration: AgentConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        owner = "\(host):\(getpid())"
        shared = Mutex(Shared(settings: configuration.agent, pipeline: configuration.pipeline))
        watcher = try InotifyWatcher()
        spool = Spool(root: configuration.pipeline.spoolDirectory)
    }

    /// Asks the agent to stop (from any thread, e.g. a signal handler's task).
    public func requestStop() {
        shared.withLock { $0.stopping = true }
        watcher.wake()
        for signal in [planWake, workWake, statusWake] { signal.signal() }
    }

    /// Applies reloadable settings: routes, settle and rescan times, reject limits, retry
    /// limits, status interval. The drop root, spool, workers and database need a restart.
    public func reload(_ new: AgentConfiguration) {
        shared.withLock {
            var agent = new.agent
            agent.dropRoot = $0.settings.dropRoot
            $0.settings = agent
            var pipeline = new.pipeline
            pipeline.spoolDirectory = $0.pipeline.spoolDirectory
            pipeline.workers = $0.pipeline.workers
            $0.pipeline = pipeline
        }
        logger.notice("configuration reloaded")
        watcher.wake()
    }

    private var isStopping: Bool { shared.withLock { $0.stopping } }

    /// The configuration as the last reload left it: what the next file and chunk use.
    private var currentConfiguration: AgentConfiguration {
        var current = configuration
        (current.agent, current.pipeline) = shared.withLock { ($0.settings, $0.pipeline) }
        return current
    }

    /// Runs until ``requestStop()``; returns after the graceful stop. `onReady` is called
    /// once recovery is done and the threads run.
    /// - Throws: when the drop root, spool or database cannot be used at start.
    public func run(onReady: () -> Void = {}) throws {
        let settings = configuration.agent
        try Files.makeDirectories(settings.dropRoot)
        try spool.create()
        let connection = try connect()
        let limits = InotifyWatcher.limits()
        logger.info("agent starting", metadata: [
            "drop_root": "\(settings.dropRoot)", "spool": "\(spool.root)", "workers": "\(configuration.pipeline.workers)",
            "inotify_max_user_watches": "\(limits["max_user_watches"] ?? "?")",
            "inotify_max_queued_events": "\(limits["max_queued_events"] ?? "?")",
            "inotify_max_user_instances": "\(limits["max_user_instances"] ?? "?")",
        ])
        let recovered = try Recovery(configuration: configuration, connection: connection, spool: spool, host: host, logger: logger).run()
        shared.withLock { $0.trackedJobs.formUnion(recovered) }
        workWake.signal()

        let planner = WorkerThreads { [self] in plannerLoop() }
        let workers = WorkerThreads { [self] in
            runOnThreads(count: configuration.pipeline.workers) { index in self.workerLoop(index) }
        }
        let status = WorkerThreads { [self] in statusLoop() }
        planner.start()
        workers.start()
        status.start()
        onReady()
        watchLoop()

        // Graceful stop: planning stops at once (an interrupted plan fails as `interrupted`
        // and is planned again after the restart); workers finish their chunk.
        planner.join()
        let deadline = monotonicMilliseconds() + Int64(shared.withLock { $0.settings.gracePeriodMilliseconds })
        while shared.withLock({ $0.activeWorkers }) > 0 && monotonicMilliseconds() < deadline {
            statusWake.wait(after: statusWake.ticket(), milliseconds: 50)
        }
        if shared.withLock({ $0.activeWorkers }) > 0 {
            returnOwnClaims()
            logger.warning("grace period over: unfinished chunks returned to ready/")
        } else {
            workers.join()
        }
        status.join()
        logger.info("agent stopped")
    }

    private func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        return connection
    }

    // MARK: - Watching

    private func watchLoop() {
        var tracker = CandidateTracker()
        var lastScan: Int64 = 0
        while !isStopping {
            let (settings, now) = (shared.withLock { $0.settings }, monotonicMilliseconds())
            if now - lastScan >= Int64(settings.rescanIntervalMilliseconds) || lastScan == 0 {
                scan(directory: settings.dropRoot, settings: settings, tracker: &tracker)
                lastScan = now
            }
            for event in watcher.wait(milliseconds: 250) {
                switch event {
                case .file(let path):
                    consider(path, settings: settings, tracker: &tracker)
                case .directory(let path):
                    scan(directory: path, settings: settings, tracker: &tracker)
                case .overflow:
                    logger.warning("inotify queue overflowed: full scan")
                    scan(directory: settings.dropRoot, settings: settings, tracker: &tracker)
                }
            }
            let settled = tracker.settled(now: monotonicMilliseconds(), settle: Int64(settings.settleMilliseconds)) { path in
                FileProbe.probe(path).map { ($0.size, $0.mtimeNanoseconds) }
            }
            for path in settled {
                if FileProbe.hasWriter(path) == true {
                    tracker.restart(path, now: monotonicMilliseconds())
                    continue
                }
                tracker.forget(path)
                if let signal = missingSignal(for: path, settings: settings) {
                    // Considered again when the signal file arrives (an event or a rescan).
                    if shared.withLock({ $0.waiting.insert(path).inserted }) {
                        logger.info("waiting for the completion signal", metadata: ["path": "\(path)", "signal": "\(signal)"])
                    }
                    continue
                }
                enqueue(path, settings: settings)
            }
        }
    }

    /// The signal file the route of `path` still waits for (missing, or older than the
    /// upload, as a marker left from an earlier delivery would be); nil when it may be planned.
    private func missingSignal(for path: String, settings: AgentSettings) -> String? {
        guard let directory = relativeDirectory(of: path, root: settings.dropRoot),
              let signal = settings.routes.match(directory: directory)?.completion.signalPath(for: path)
        else { return nil }
        guard let upload = FileProbe.probe(path), let probe = FileProbe.probe(signal), probe.kind == .regular,
              probe.mtimeNanoseconds >= upload.mtimeNanoseconds
        else { return signal }
        return nil
    }

    /// The directory of `path` below the drop root, as components; nil outside it.
    private func relativeDirectory(of path: String, root: String) -> [String]? {
        guard path.hasPrefix(root + "/") else { return nil }
        var components = path.dropFirst(root.count + 1).split(separator: "/").map(String.init)
        components.removeLast()
        return components
    }

    /// Watches `directory` (if routes can match below it) and considers everything in it.
    private func scan(directory: String, settings: AgentSettings, tracker: inout CandidateTracker) {
        let relative = directory == settings.dropRoot ? [] : relativeDirectory(of: directory + "/x", root: settings.dropRoot)
        guard let relative, settings.routes.covers(directory: relative) else { return }
        do {
            try watcher.watch(directory)
        } catch {
            logger.error("cannot watch directory", metadata: ["path": "\(directory)", "error": "\(error)"])
        }
        for name in FileProbe.entries(directory).sorted() {
            let path = directory + "/" + name
            guard let probe = FileProbe.probe(path) else {
                // Gone since the listing, or a name that is not UTF-8 (which `consider` logs).
                consider(path, settings: settings, tracker: &tracker)
                continue
            }
            if probe.kind == .directory {
                if !name.hasPrefix(".") { scan(directory: path, settings: settings, tracker: &tracker) }
            } else {
                consider(path, settings: settings, tracker: &tracker)
            }
        }
        if directory == settings.dropRoot {
            shared.withLock { state in
                state.seen = state.seen.filter { FileProbe.probe($0.key) != nil }
                state.waiting = state.waiting.filter { FileProbe.probe($0) != nil }
            }
        }
    }

    /// Starts the settle clock for `path` if it is a routed, not yet handled, regular file.
    private func consider(_ path: String, settings: AgentSettings, tracker: inout CandidateTracker) {
        let name = String(path.split(separator: "/").last ?? "")
        // A marker or sidecar is never an upload; its arrival makes its upload worth a look.
        if let suffix = settings.routes.signalSuffixes.first(where: { name.hasSuffix($0) && name.count > $0.count }) {
            let upload = String(path.dropLast(suffix.count))
            if shared.withLock({ $0.waiting.contains(upload) }) { consider(upload, settings: settings, tracker: &tracker) }
            return
        }
        if let reason = DropFilter.reasonToIgnore(name) {
            if !DropFilter.outputSuffixes.contains(where: { name.hasSuffix($0) }) {
                logger.debug("ignored", metadata: ["path": "\(path)", "reason": "\(reason)"])
            }
            return
        }
        guard let directory = relativeDirectory(of: path, root: settings.dropRoot),
              settings.routes.match(directory: directory) != nil
        else {
            ignore(path, reason: "no route for this directory")
            return
        }
        guard let probe = FileProbe.probe(path) else {
            // Names are read as UTF-8; a name that is not cannot be opened by the name read.
            if name.unicodeScalars.contains("\u{FFFD}") { ignore(path, reason: "the file name is not valid UTF-8") }
            return
        }
        guard probe.kind == .regular else {
            if probe.kind == .other { ignore(path, reason: "not a regular file (symlink, FIFO, socket or device)") }
            return
        }
        // Another name of the same file may live outside the drop root. (OpenSSH's rename
        // is link + unlink: two names only for an instant, long before the settle time.)
        guard probe.linkCount == 1 else {
            ignore(path, reason: "the file has \(probe.linkCount) hard links; upload a copy, not a link")
            return
        }
        let handled = shared.withLock { state in
            state.queued.contains(path) || state.seen[path].map { $0.size == probe.size && $0.mtime == probe.mtimeNanoseconds } == true
        }
        if !handled { tracker.note(path, size: probe.size, mtime: probe.mtimeNanoseconds, now: monotonicMilliseconds()) }
    }

    private func ignore(_ path: String, reason: String) {
        let first = shared.withLock { state -> Bool in
            guard state.seen[path] == nil else { return false }
            state.seen[path] = (-1, -1)
            return true
        }
        if first {
            metrics.fileIgnored()
            logger.info("ignored", metadata: ["path": "\(path)", "reason": "\(reason)"])
        }
    }

    private func enqueue(_ path: String, settings: AgentSettings) {
        guard let directory = relativeDirectory(of: path, root: settings.dropRoot),
              let match = settings.routes.match(directory: directory) else { return }
        shared.withLock { state in
            state.waiting.remove(path)
            guard state.queued.insert(path).inserted else { return }
            state.planQueue.append((path, match))
        }
        planWake.signal()
        metrics.fileSeen()
        logger.info("file complete", metadata: ["path": "\(path)", "type": "\(match.type.cliName)"])
    }

    // MARK: - Planning

    private func plannerLoop() {
        var connection: PostgresConnection?
        var lastClaimCheck = monotonicMilliseconds()
        while !isStopping {
            let ticket = planWake.ticket()
            guard let next = shared.withLock({ $0.planQueue.first }) else {
                let settings = shared.withLock { $0.settings }
                if monotonicMilliseconds() - lastClaimCheck >= Int64(settings.rescanIntervalMilliseconds) {
                    lastClaimCheck = monotonicMilliseconds()
                    if connection?.isOpen != true { connection = try? connect() }
                    if let connection {
                        try? Recovery(configuration: currentConfiguration, connection: connection, spool: spool, host: host, logger: logger)
                            .releaseClaims()
                    }
                }
                planWake.wait(after: ticket, milliseconds: 1000)
                continue
            }
            let probe = FileProbe.probe(next.path)
            do {
                if connection?.isOpen != true { connection = try connect() }
                let started = monotonicMilliseconds()
                let submission = try JobSubmitter(
                    configuration: currentConfiguration, connection: connection!, spool: spool, owner: owner,
                    createdBy: "agent:\(host)"
                ).submit(
                    path: next.path, type: next.match.type, options: next.match.options, checkSeen: true, force: false,
                    onJob: { [self] job in
                        shared.withLock { _ = $0.trackedJobs.insert(job) }
                        statusWake.signal()
                        logger.info("job created", metadata: ["job": "\(job)", "path": "\(next.path)"])
                    },
                    progress: { [self] _ in
                        if isStopping {
                            throw ImportFailure(code: .interrupted, message: "the agent stopped while planning this file; it is planned again after the restart")
                        }
                    })
                let elapsed = monotonicMilliseconds() - started
                workWake.signal()
                statusWake.signal()
                switch submission {
                case .busy:
                    shared.withLock { state in
                        state.planQueue.removeFirst()
                        state.queued.remove(next.path)
                    }
                    continue  // another agent has it; a later scan finds its job
                case .alreadySeen(let job):
                    logger.info("already imported", metadata: ["path": "\(next.path)", "job": "\(job)"])
                    if let snapshot = try JobStore(connection: connection!).snapshot(job), try StatusFileWriter.repairIfStale(snapshot) {
                        logger.notice("status file rewritten", metadata: ["path": "\(next.path)", "job": "\(job)"])
                    }
                case .duplicate(let job, let original):
                    logger.notice("duplicate content", metadata: ["path": "\(next.path)", "job": "\(job)", "duplicate_of": "\(original)"])
                case .planned(let job, let chunks):
                    metrics.planned(bytes: probe?.size ?? 0)
                    logger.info("job planned", metadata: ["job": "\(job)", "chunks": "\(chunks)", "ms": "\(elapsed)"])
                case .failed(let job):
                    logger.error("job failed while planning", metadata: ["job": "\(job)", "path": "\(next.path)"])
                }
            } catch {
                connection = nil
                logger.error("cannot submit file", metadata: ["path": "\(next.path)", "error": "\(error)"])
                if isStopping { break }
                sleepMilliseconds(1000)
                if error is PostgresError { continue }  // retry the same file once the database is back
            }
            shared.withLock { state in
                state.planQueue.removeFirst()
                state.queued.remove(next.path)
                if let probe { state.seen[next.path] = (probe.size, probe.mtimeNanoseconds) }
            }
        }
    }

    // MARK: - Loading

    private func workerLoop(_ index: Int) {
        let workerOwner = "\(owner):\(index)"
        let connection = WorkerConnection(conninfo: configuration.conninfo, schema: configuration.databaseSchema)
        while true {
            // Claiming under the lock: once `stopping` is set, no worker takes a new chunk,
            // and `activeWorkers` counts exactly the chunks in flight.
            enum Next { case stop, idle, chunk(Spool.ClaimedChunk) }
            let ticket = workWake.ticket()
            let next: Next = shared.withLock { state in
                guard !state.stopping else { return .stop }
                guard let chunk = try? spool.claim(job: nil, owner: workerOwner) else { return .idle }
                state.activeWorkers += 1
                return .chunk(chunk)
            }
            guard case .chunk(let chunk) = next else {
                if case .stop = next { return }
                workWake.wait(after: ticket, milliseconds: 1000)
                continue
            }
            defer {
                shared.withLock { $0.activeWorkers -= 1 }
                statusWake.signal()
            }
            shared.withLock { _ = $0.trackedJobs.insert(chunk.jobId) }
            let started = monotonicMilliseconds()
            // Each chunk with the retry limits of the last reload.
            let dispatcher = ChunkDispatcher(settings: shared.withLock { $0.pipeline }, spool: spool, owner: workerOwner, connection: connection)
            let outcome = dispatcher.process(chunk)
            let metadata: Logger.Metadata = [
                "job": "\(chunk.jobId)", "chunk": "\(chunk.chunkIndex)", "ms": "\(monotonicMilliseconds() - started)",
            ]
            switch outcome {
            case .loaded(let finalized):
                metrics.chunkLoaded()
                logger.info(finalized ? "chunk loaded, job finalized" : "chunk loaded", metadata: metadata)
            case .alreadyDone:
                logger.notice("chunk already loaded: skipped", metadata: metadata)
            case .abandoned:
                logger.info("chunk abandoned: its job is not running", metadata: metadata)
            case .failed(let failure):
                metrics.chunkFailed()
                logger.error("chunk failed", metadata: metadata.merging(["error": "\(failure)"]) { $1 })
            }
        }
    }

    /// Returns chunks this process still holds to `ready/` (the ledger makes a repeat safe).
    private func returnOwnClaims() {
        for name in (try? Files.list(spool.claimedDirectory)) ?? [] where name.contains("@\(owner):") {
            let base = String(name.split(separator: "@", maxSplits: 1)[0])
            _ = try? Files.rename("\(spool.claimedDirectory)/\(name)", to: "\(spool.readyDirectory)/\(base)")
        }
    }

    // MARK: - Status files and metrics

    private func statusLoop() {
        var connection: PostgresConnection?
        var publishers: [Int64: StatusPublisher] = [:]
        var lastMetrics: Int64 = 0
        while true {
            let ticket = statusWake.ticket()
            let (stopping, jobs, interval, metricsFile) = shared.withLock {
                ($0.stopping && $0.activeWorkers == 0, $0.trackedJobs, $0.pipeline.statusIntervalMilliseconds, $0.settings.metricsFile)
            }
            do {
                if connection?.isOpen != true {
                    connection = try connect()
                    // Publishers read through the connection they were made with.
                    publishers.removeAll()
                }
                let store = JobStore(connection: connection!)
                for job in jobs {
                    let publisher = publishers[job] ?? StatusPublisher(store: store, job: job, intervalMilliseconds: interval) { [self] snapshot in
                        if let waiting = snapshot.waiting {
                            logger.notice("job waiting for approval", metadata: [
                                "job": "\(snapshot.id)", "file": "\(snapshot.fileName ?? "")",
                                "reason": "\(waiting["reason"]?.stringValue ?? "")",
                                "publish": "\(waiting["publishCommand"]?.stringValue ?? "")",
                            ])
                        }
                        guard snapshot.status.isFinal else { return }
                        metrics.jobFinished(status: snapshot.status.rawValue, rejects: snapshot.rejectsCount, at: Int64(time(nil)))
                        logger.info("job finished", metadata: [
                            "job": "\(snapshot.id)", "status": "\(snapshot.status.rawValue)", "file": "\(snapshot.fileName ?? "")",
                            "message": "\(snapshot.message ?? "")",
                        ])
                    }
                    publishers[job] = publisher
                    publisher.publish(force: false)
                    if publisher.isFinal {
                        publishers[job] = nil
                        shared.withLock { _ = $0.trackedJobs.remove(job) }
                    }
                }
                // A publisher swallows a failed read (the status file keeps its last state);
                // a connection lost to a server restart shows here, and the next round
                // reconnects.
                if connection?.isOpen != true { connection = nil }
            } catch {
                connection = nil
            }
            let now = monotonicMilliseconds()
            if let metricsFile, now - lastMetrics >= Int64(interval) || stopping {
                let ready = ((try? Files.list(spool.readyDirectory)) ?? []).count
                let queue = shared.withLock { $0.planQueue.count }
                try? Files.writeAtomically(Array(metrics.render(readyChunks: ready, planQueue: queue).utf8), to: metricsFile, mode: 0o644)
                lastMetrics = now
            }
            if stopping { return }
            // Woken by every change of state; the timeout paces progress within chunks.
            statusWake.wait(after: ticket, milliseconds: min(interval, 250))
        }
    }
}
