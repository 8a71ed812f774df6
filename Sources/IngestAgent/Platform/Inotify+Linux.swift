#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNexusPlatform
import IngestCore

/// What the kernel told the watcher.
enum WatchEvent: Equatable {
    /// A file was closed after writing, moved in, or created (OpenSSH's sftp-server renames
    /// by link + unlink: only IN_CREATE announces the final name). A hint, never proof.
    case file(String)
    /// A directory appeared (created or moved in): watch it, then scan it.
    case directory(String)
    /// The kernel queue overflowed: events were lost, a full scan is due.
    case overflow
}

/// Recursive directory watching with raw inotify(7): a non-blocking, close-on-exec descriptor
/// read after `poll(2)`, EINTR-safe, one watch per directory below the drop root.
///
/// libinotifytools is deliberately not used: it keeps global state, waits with `select()`
/// (undefined past descriptor 1024) and does not add watches for new subdirectories.
///
/// `watch(_:)` and `wait(milliseconds:)` belong to the one watching thread; `wake()` may be
/// called from any thread (it only writes a byte to a pipe), hence `@unchecked Sendable`.
final class InotifyWatcher: @unchecked Sendable {
    private let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var directories: [Int32: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR)

    init() throws(SystemError) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SystemError(operation: "inotify_init1", path: "-", errno: errno) }
        var pipe: [Int32] = [0, 0]
        guard nexus_pipe_cloexec_nonblock(&pipe) == 0 else {
            close(fd)
            throw SystemError(operation: "pipe2", path: "-", errno: errno)
        }
        wakeRead = pipe[0]
        wakeWrite = pipe[1]
    }

    deinit {
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Watches `directory` (not recursively: the caller adds subdirectories). False when it
    /// vanished meanwhile; throws when the watch limit is reached.
    @discardableResult
    func watch(_ directory: String) throws(SystemError) -> Bool {
        let wd = inotify_add_watch(fd, directory, Self.mask)
        if wd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return false }
            throw SystemError(operation: "inotify_add_watch", path: directory, errno: errno)
        }
        directories[wd] = directory
        return true
    }

    /// Wakes a thread blocked in ``wait(milliseconds:)`` (from any thread).
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Waits up to `milliseconds` for events or a wake-up; returns the events read.
    func wait(milliseconds: Int32) -> [WatchEvent] {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, 2, milliseconds)
        if ready <= 0 { return [] }  // timeout, or EINTR: the caller loops anyway
        if fds[1].revents != 0 {
            var drain = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &drain, drain.count) > 0 {}
        }
        return fds[0].revents != 0 ? readEvents() : []
    }

    private func readEvents() -> [WatchEvent] {
        var events: [WatchEvent] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + MemoryLayout<inotify_event>.size <= n {
                    let base = raw.baseAddress! + offset
                    let wd = base.loadUnaligned(fromByteOffset: 0, as: Int32.self)
                    let mask = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                    let length = Int(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
                    let nameBytes = UnsafeRawBufferPointer(start: base + MemoryLayout<inotify_event>.size, count: length)
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    offset += MemoryLayout<inotify_event>.size + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        events.append(.overflow)
                        continue
                    }
                    if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                        directories[wd] = nil
                        continue
                    }
                    guard let directory = directories[wd], !name.isEmpty else { continue }
                    let path = directory + "/" + name
                    if mask & UInt32(IN_ISDIR) != 0 {
                        if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { events.append(.directory(path)) }
                    } else {
                        events.append(.file(path))
                    }
                }
            }
        }
        return events
    }

    /// The kernel's inotify limits, for the start-up log.
    static func limits() -> [String: String] {
        var limits: [String: String] = [:]
        for name in ["max_user_watches", "max_user_instances", "max_queued_events"] {
            limits[name] = SystemFacts.procLines("/proc/sys/fs/inotify/\(name)").first?.trimming(" ")
        }
        return limits
    }
}

extension String {
    /// The string without leading and trailing characters of `set`.
    func trimming(_ set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
