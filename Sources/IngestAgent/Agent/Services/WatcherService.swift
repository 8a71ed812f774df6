import Logging
import ServiceLifecycle

/// Watches the drop root (inotify, with a full rescan every `rescan_interval_seconds` and after
/// an overflow), waits until each routed upload is complete (settled, no writer, completion
/// signal there) and queues it for the planner (DESIGN §1.1).
final class WatcherService: Service, Sendable {
    private let context: AgentContext
    private let watcher: InotifyWatcher

    init(context: AgentContext) throws {
        self.context = context
        watcher = try InotifyWatcher()
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "nexus-watcher") { [self] in loop() }
        } onGracefulShutdown: { [self] in
            context.state.withLock { $0.stopWatching = true }
            watcher.wake()
        }
    }

    /// Wakes the watch loop now (a reload changed what it watches for).
    func rescan() {
        context.state.withLock { $0.rescanRequested = true }
        watcher.wake()
    }

    private var logger: Logger { context.logger }

    private func loop() {
        var tracker = CandidateTracker()
        var lastScan: Int64 = 0
        while true {
            let (stop, rescan) = context.state.withLock { state in
                defer { state.rescanRequested = false }
                return (state.stopWatching, state.rescanRequested)
            }
            if stop { break }
            context.liveness.beat("watcher")
            let (settings, now) = (context.configuration.agent, monotonicMilliseconds())
            if rescan || lastScan == 0 || now - lastScan >= Int64(settings.rescanIntervalMilliseconds) {
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
                    if context.state.withLock({ $0.waiting.insert(path).inserted }) {
                        logger.info("waiting for the completion signal", metadata: ["path": "\(path)", "signal": "\(signal)"])
                    }
                    continue
                }
                enqueue(path, settings: settings)
            }
        }
        context.liveness.retire("watcher")
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
        context.liveness.beat("watcher")
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
        if directory == settings.dropRoot { forgetVanishedFiles() }
    }

    /// Drops what the agent remembers of files that are gone (probed outside the lock).
    private func forgetVanishedFiles() {
        let (seen, waiting) = context.state.withLock { (Array($0.seen.keys), $0.waiting) }
        let gone = Set(seen.filter { FileProbe.probe($0) == nil }).union(waiting.filter { FileProbe.probe($0) == nil })
        guard !gone.isEmpty else { return }
        context.state.withLock { state in
            for path in gone {
                state.seen[path] = nil
                state.waiting.remove(path)
            }
        }
    }

    /// Starts the settle clock for `path` if it is a routed, not yet handled, regular file.
    private func consider(_ path: String, settings: AgentSettings, tracker: inout CandidateTracker) {
        let name = String(path.split(separator: "/").last ?? "")
        // A marker or sidecar is never an upload; its arrival makes its upload worth a look.
        if let suffix = settings.routes.signalSuffixes.first(where: { name.hasSuffix($0) && name.count > $0.count }) {
            let upload = String(path.dropLast(suffix.count))
            if context.state.withLock({ $0.waiting.contains(upload) }) { consider(upload, settings: settings, tracker: &tracker) }
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
        let version = AgentState.FileVersion(size: probe.size, mtime: probe.mtimeNanoseconds)
        let handled = context.state.withLock { $0.queued.contains(path) || $0.seen[path] == version }
        if !handled { tracker.note(path, size: probe.size, mtime: probe.mtimeNanoseconds, now: monotonicMilliseconds()) }
    }

    private func ignore(_ path: String, reason: String) {
        let first = context.state.withLock { state -> Bool in
            guard state.seen[path] == nil else { return false }
            state.seen[path] = .ignored
            return true
        }
        if first {
            context.metrics.fileIgnored()
            logger.info("ignored", metadata: ["path": "\(path)", "reason": "\(reason)"])
        }
    }

    private func enqueue(_ path: String, settings: AgentSettings) {
        guard let directory = relativeDirectory(of: path, root: settings.dropRoot),
              let match = settings.routes.match(directory: directory) else { return }
        let queued = context.state.withLock { state -> Bool in
            state.waiting.remove(path)
            guard state.queued.insert(path).inserted else { return false }
            state.planQueue.append(AgentState.PlanRequest(path: path, match: match))
            return true
        }
        guard queued else { return }
        context.planWake.signal()
        context.metrics.fileSeen()
        logger.info("file complete", metadata: ["path": "\(path)", "type": "\(match.type.cliName)"])
    }
}
