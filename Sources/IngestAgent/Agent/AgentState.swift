/// What the agent's services hand each other, under one lock in ``AgentContext``: uploads for
/// the planner, the jobs the status writer follows, the count of chunks in flight, and which
/// services were asked to stop. Nothing in here does I/O.
struct AgentState {
    /// A complete upload waiting for the planner, with the route that matched it.
    struct PlanRequest {
        var path: String
        var match: RouteTable.Match
    }

    /// A file's size and modification time, in nanoseconds.
    struct FileVersion: Equatable {
        var size: Int64
        var mtime: Int64
        /// The mark of a file that was ignored (logged once until it changes or goes).
        static let ignored = FileVersion(size: -1, mtime: -1)
    }

    var planQueue: [PlanRequest] = []
    /// Paths in `planQueue` or being planned.
    var queued: Set<String> = []
    /// Files handed to the planner (or ignored), by the version they had then.
    var seen: [String: FileVersion] = [:]
    /// Settled uploads whose route waits for a completion signal that is not there yet.
    var waiting: Set<String> = []
    /// Jobs whose status files the status writer keeps current.
    var trackedJobs: Set<Int64> = []
    /// Jobs that changed state since the status writer last looked: written at once.
    var changedJobs: Set<Int64> = []
    /// A reload asked the watcher for a full scan (new routes may cover files already there).
    var rescanRequested = false
    /// A graceful shutdown began: no new plan starts (the one in progress is interrupted) and
    /// no worker claims a new chunk, while the services stop one by one.
    var shuttingDown = false
    var stopWatching = false
    var stopPlanning = false
    var stopWorking = false
    var stopWriting = false
    var stopJanitor = false
    var stopPresence = false
}
