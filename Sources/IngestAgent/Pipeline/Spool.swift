public import IngestCore

/// The spool directory: chunk files move `tmp/<job>/` → `ready/` → `claimed/` → gone.
///
/// A plan's chunks are written under `tmp/<job>/` and renamed into `ready/` only after the
/// plan is committed in PostgreSQL. A worker claims a chunk by renaming it from `ready/` to
/// `claimed/<name>@<owner>`: exactly one rename succeeds. The file is removed after the
/// chunk's transaction commits; the ledger (`import_chunk.state`) makes a second load of the
/// same chunk a no-op, so a crash between commit and removal cannot write twice.
public struct Spool: Sendable {
    /// A chunk a worker owns.
    public struct ClaimedChunk: Sendable, Equatable {
        public var jobId: Int64
        public var chunkIndex: Int
        /// The file under `claimed/`.
        public var path: String
        /// The worker that renamed it there (the `@owner` of its name).
        var owner: ClaimOwner

        /// Its name under `claimed/`.
        var name: String { String(path.split(separator: "/").last ?? "") }
    }

    /// The spool root.
    public let root: String
    private let fileSystem: any SpoolFileSystem

    /// The spool at `root` on the real file system.
    public init(root: String) { self.init(root: root, fileSystem: LinuxFileSystem()) }

    /// The spool at `root` on `fileSystem` (an in-memory one in unit tests).
    init(root: String, fileSystem: any SpoolFileSystem) {
        self.root = root
        self.fileSystem = fileSystem
    }

    var tmpRoot: String { root + "/tmp" }
    var readyDirectory: String { root + "/ready" }
    var claimedDirectory: String { root + "/claimed" }

    /// Creates the spool's directories.
    public func create() throws(SystemError) {
        for directory in [tmpRoot, readyDirectory, claimedDirectory] { try fileSystem.makeDirectories(directory) }
    }

    /// The directory where a plan writes its chunk files.
    func tmpDirectory(job: Int64) -> String { "\(tmpRoot)/\(job)" }

    /// The file name of chunk `index` of `job`.
    static func chunkFileName(job: Int64, index: Int) -> String {
        let digits = String(index)
        return "job-\(job)-chunk-\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits).csv"
    }

    /// Parses a chunk file name (with or without the `@owner` suffix).
    static func parseChunkFileName(_ name: String) -> (job: Int64, index: Int)? {
        let base = name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? name
        guard base.hasPrefix("job-"), base.hasSuffix(".csv") else { return nil }
        let parts = base.dropFirst(4).dropLast(4).split(separator: "-")
        guard parts.count == 3, parts[1] == "chunk", let job = Int64(parts[0]), let index = Int(parts[2]) else { return nil }
        return (job, index)
    }

    /// Makes a committed plan's chunks claimable: renames them into `ready/`, makes the
    /// renames durable, and removes the job's tmp directory.
    func publish(job: Int64, chunkIndexes: [Int]) throws(SystemError) {
        let tmp = tmpDirectory(job: job)
        for index in chunkIndexes {
            let name = Self.chunkFileName(job: job, index: index)
            _ = try fileSystem.rename("\(tmp)/\(name)", to: "\(readyDirectory)/\(name)")
        }
        try fileSystem.syncDirectory(readyDirectory)
        try fileSystem.removeDirectory(tmp)
    }

    /// Claims one ready chunk (of `job` only, when given) for `owner`; nil when none is left.
    ///
    /// A rename that reports ENOENT lost the race, unless the chunk is under our claimed name
    /// all the same: over NFS a rename whose reply was lost is sent again, and the repeat
    /// finds no source although the first one won. (Whether the load then counts is the
    /// ledger's to say: the chunk's current attempt, ``JobLedger/startChunk(job:index:owner:)``.)
    func claim(job: Int64?, owner: ClaimOwner) throws(SystemError) -> ClaimedChunk? {
        let names = try fileSystem.list(readyDirectory).sorted()
        for name in names {
            guard let parsed = Self.parseChunkFileName(name), job == nil || parsed.job == job else { continue }
            let claimed = "\(claimedDirectory)/\(name)@\(owner)"
            if try fileSystem.rename("\(readyDirectory)/\(name)", to: claimed) || fileSystem.exists(claimed) {
                return ClaimedChunk(jobId: parsed.job, chunkIndex: parsed.index, path: claimed, owner: owner)
            }
        }
        return nil
    }

    /// Puts a claimed chunk back into `ready/` (its claimant is gone, or gives it back); false
    /// when it is no longer there (someone else moved it first).
    func unclaim(_ name: String) throws(SystemError) -> Bool {
        let base = String(name.split(separator: "@", maxSplits: 1)[0])
        return try fileSystem.rename("\(claimedDirectory)/\(name)", to: "\(readyDirectory)/\(base)")
    }

    /// The names under `claimed/`, each with the owner its suffix names (nil for a name that
    /// is not a claim).
    func claims() throws(SystemError) -> [(name: String, job: Int64, index: Int, owner: ClaimOwner?)] {
        try fileSystem.list(claimedDirectory).compactMap { name in
            let pieces = name.split(separator: "@", maxSplits: 1)
            guard pieces.count == 2, let chunk = Self.parseChunkFileName(String(pieces[0])) else { return nil }
            return (name, chunk.job, chunk.index, ClaimOwner(parsing: pieces[1]))
        }
    }

    /// Removes a claimed chunk's file (after its transaction committed, or when it is abandoned).
    func release(_ chunk: ClaimedChunk) throws(SystemError) {
        try fileSystem.remove(chunk.path)
    }

    /// The jobs that have files anywhere in the spool (tmp, ready or claimed).
    func jobsWithFiles() throws(SystemError) -> Set<Int64> {
        var jobs = Set<Int64>()
        for directory in [readyDirectory, claimedDirectory] {
            for name in try fileSystem.list(directory) { if let job = Self.parseChunkFileName(name)?.job { jobs.insert(job) } }
        }
        for name in try fileSystem.list(tmpRoot) { if let job = Int64(name) { jobs.insert(job) } }
        return jobs
    }

    /// The paths of `job`'s chunk files in `directories`.
    private func chunkFiles(of job: Int64, in directories: [String]) throws(SystemError) -> [String] {
        var paths: [String] = []
        for directory in directories {
            for name in try fileSystem.list(directory) where Self.parseChunkFileName(name)?.job == job {
                paths.append("\(directory)/\(name)")
            }
        }
        return paths
    }

    /// The files `job` has in the spool.
    func countFiles(job: Int64) throws(SystemError) -> Int {
        try chunkFiles(of: job, in: [readyDirectory, claimedDirectory]).count + fileSystem.list(tmpDirectory(job: job)).count
    }

    /// Removes every file of `job`, claimed ones included (it has ended); returns how many.
    func purge(job: Int64) throws(SystemError) -> Int {
        try removeFiles(of: job, in: [readyDirectory, claimedDirectory])
    }

    /// Removes every ready or tmp file of `job` (after it failed).
    func discard(job: Int64) throws(SystemError) {
        _ = try removeFiles(of: job, in: [readyDirectory])
    }

    /// Removes `job`'s chunk files in `directories` and its tmp directory; returns how many files.
    private func removeFiles(of job: Int64, in directories: [String]) throws(SystemError) -> Int {
        let paths = try chunkFiles(of: job, in: directories)
        for path in paths { try fileSystem.remove(path) }
        let tmp = tmpDirectory(job: job)
        let planned = try fileSystem.list(tmp).count
        try fileSystem.removeDirectory(tmp)
        return paths.count + planned
    }
}
