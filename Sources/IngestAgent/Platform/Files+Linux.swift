#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNexusPlatform
import IngestCore

/// File system calls the pipeline needs, on Linux: durable writes (fsync of files and
/// directories), atomic replacement, claims by `rename(2)`.
enum Files {
    /// Creates `path` and its missing parents with `mode`.
    static func makeDirectories(_ path: String, mode: mode_t = 0o750) throws(SystemError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw SystemError(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    /// Flushes a directory's entries (a rename or create in it) to disk.
    static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError(operation: "fsync", path: path, errno: errno) }
    }

    /// Renames `from` to `to`; false (and no error) when `from` no longer exists, i.e. when
    /// another worker's rename of the same chunk won.
    static func rename(_ from: String, to: String) throws(SystemError) -> Bool {
        if Glibc.rename(from, to) == 0 { return true }
        if errno == ENOENT { return false }
        throw SystemError(operation: "rename", path: "\(from) -> \(to)", errno: errno)
    }

    /// Removes a file; a missing file is fine.
    static func remove(_ path: String) throws(SystemError) {
        // A name too long to exist (the status or rejects name of a 255-byte upload) is gone.
        if unlink(path) != 0 && errno != ENOENT && errno != ENAMETOOLONG {
            throw SystemError(operation: "unlink", path: path, errno: errno)
        }
    }

    /// Removes a directory and the files directly in it.
    static func removeDirectory(_ path: String) throws(SystemError) {
        for name in try list(path) { try remove(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw SystemError(operation: "rmdir", path: path, errno: errno) }
    }

    /// The names in a directory (no `.` or `..`); empty when it does not exist.
    static func list(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw SystemError(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = entryName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Calls `body` with the path and `lstat` of every regular file under `root`, at any depth;
    /// symbolic links are not followed, and a directory that cannot be read is passed over.
    static func forEachFile(under root: String, _ body: (String, stat) throws -> Void) rethrows {
        var directories = [root]
        while let directory = directories.popLast() {
            guard let names = try? list(directory) else { continue }
            for name in names {
                let path = directory + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: directories.append(path)
                case S_IFREG: try body(path, info)
                default: continue
                }
            }
        }
    }

    /// The name in a directory entry `readdir(3)` returned, read up to its terminating NUL.
    ///
    /// Never through `entry.pointee.d_name`: that copies all 256 bytes of the field, but the
    /// kernel packs entries to the length of their names (`d_reclen`), so the copy of the last
    /// entry of glibc's buffer can run off the end of the mapped heap (the agent's watcher
    /// crashed so, listing a drop folder of 1,000 uploads).
    static func entryName(_ entry: UnsafePointer<dirent>) -> String {
        let start = UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \.d_name)!
        let length = strlen(start.assumingMemoryBound(to: CChar.self))
        return String(decoding: UnsafeRawBufferPointer(start: start, count: length), as: UTF8.self)
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync,
    /// rename over `path`, fsync of the directory. Readers see the old or the new content.
    ///
    /// The temporary file's name ends in the process id and 64 random bits: agents on several
    /// hosts write the same status files, each often process 1 of its own PID namespace, and an
    /// agent killed between the create and the rename leaves its file behind. With the process
    /// id alone, the other host's agent could never write that status file again (the torture
    /// suite's hosts/kill found it: the job SUCCEEDED, its status file said "Planning").
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws(SystemError) {
        let directory = parentDirectory(of: path)
        let name = String(path.split(separator: "/").last ?? "")
        let temporary = "\(directory)/.\(name).\(getpid()).\(String(UInt64.random(in: .min ... .max), radix: 16)).tmp"
        let writer = try BufferedFileWriter(path: temporary, mode: mode)
        do {
            try writer.write(bytes)
            try writer.close(sync: true)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        guard Glibc.rename(temporary, path) == 0 else {
            let code = errno
            _ = unlink(temporary)
            throw SystemError(operation: "rename", path: path, errno: code)
        }
        try syncDirectory(directory)
    }

    /// The directory part of `path` (`.` for a bare name).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The whole content of a (small) file; never follows a final symlink.
    static func readAll(_ path: String) throws -> [UInt8] {
        let source = try FileByteSource(path: path)
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try block.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return bytes }
            bytes += block[0..<n]
        }
    }

    /// The absolute form of `path` (relative to the working directory).
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return Self.string(fromNULTerminated: buffer) + "/" + path
    }

    /// This host's name, for chunk owners.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return Self.string(fromNULTerminated: buffer)
    }

    /// The text of a C buffer up to its first NUL.
    private static func string(fromNULTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Appends to a new file through a 256 KiB buffer; `close(sync:)` makes it durable.
///
/// The buffer is raw memory with a count, not an array: an array in a class property is
/// checked for exclusive access at every append (`swift_beginAccess`), and the planner
/// appends three times a row (about 6% of the CPU samples of planning a 1M-row Golden
/// Components file went to those checks).
final class BufferedFileWriter {
    let path: String
    private var fd: Int32
    private let storage: UnsafeMutablePointer<UInt8>
    /// The bytes at the start of `storage` not written yet.
    private var pending = 0
    private static let capacity = 256 << 10
    /// Whether each write's bytes start on their way to the disk at once.
    private let startsWriteback: Bool
    /// Bytes written to the file so far.
    private var written: Int64 = 0

    /// Creates `path`, which must not exist. With `startsWriteback`, the bytes of each write
    /// start on their way to the disk at once (`sync_file_range`), so that a large file's
    /// ``close(sync:)`` waits only for its last bytes instead of all of them (the planner's
    /// chunk files: their fsyncs took 42 ms of planning a 54 MB file in one measurement, 2 ms after).
    init(path: String, mode: mode_t = 0o640, startsWriteback: Bool = false) throws(SystemError) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError(operation: "create", path: path, errno: errno) }
        self.path = path
        self.startsWriteback = startsWriteback
        storage = .allocate(capacity: Self.capacity)
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
        storage.deallocate()
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(SystemError) {
        if pending + bytes.count > Self.capacity { try flush() }
        if bytes.count >= Self.capacity {
            try writeAll(bytes)
        } else if let base = bytes.baseAddress {
            (storage + pending).initialize(from: base, count: bytes.count)
            pending += bytes.count
        }
    }

    func write(_ bytes: [UInt8]) throws(SystemError) {
        try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(SystemError) in try write(b) }
    }

    func write(_ byte: UInt8) throws(SystemError) {
        if pending == Self.capacity { try flush() }
        storage[pending] = byte
        pending += 1
    }

    /// Appends `number` (not negative) in decimal digits and then the byte `separator`, with
    /// no String or array in between (the planner writes one a row); returns how many bytes.
    func write(number: Int, then separator: UInt8) throws(SystemError) -> Int {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        if pending + digits + 1 > Self.capacity { try flush() }
        var position = pending + digits
        storage[position] = separator
        rest = number
        repeat {
            position -= 1
            storage[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        pending += digits + 1
        return digits + 1
    }

    /// Appends one chunk row: `number` (not negative) in decimal digits, `separator`, `bytes`
    /// and a line feed, with one check for room (the planner writes one per data row); returns
    /// how many bytes.
    func writeRow(number: Int, separator: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) throws(SystemError) -> Int {
        var digits = 1
        var power = 10
        while number >= power {
            digits &+= 1
            power &*= 10
        }
        let total = digits &+ 1 &+ bytes.count &+ 1
        guard total <= Self.capacity else {
            let prefix = try write(number: number, then: separator)
            try write(bytes)
            try write(0x0A)
            return prefix + bytes.count + 1
        }
        if pending &+ total > Self.capacity { try flush() }
        let row = storage + pending
        var position = digits
        var rest = UInt(number)
        repeat {
            let quotient = rest / 10
            position &-= 1
            row[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest &- quotient &* 10)
            rest = quotient
        } while rest > 0
        row[digits] = separator
        if let base = bytes.baseAddress { (row + (digits &+ 1)).update(from: base, count: bytes.count) }
        row[total &- 1] = 0x0A
        pending &+= total
        return total
    }

    func flush() throws(SystemError) {
        guard pending > 0 else { return }
        try writeAll(UnsafeBufferPointer(start: storage, count: pending))
        pending = 0
    }

    /// Flushes, optionally fsyncs, and closes.
    func close(sync: Bool) throws(SystemError) {
        try flush()
        if sync && fsync(fd) != 0 { throw SystemError(operation: "fsync", path: path, errno: errno) }
        let result = Glibc.close(fd)
        fd = -1
        if result != 0 { throw SystemError(operation: "close", path: path, errno: errno) }
    }

    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "write", path: path, errno: errno)
            }
            offset += n
        }
        if startsWriteback {
            // A hint: an error here (none is expected) shows again at close(sync:)'s fsync.
            _ = nexus_start_writeback(fd, written, Int64(bytes.count))
        }
        written += Int64(bytes.count)
    }
}
