#if canImport(Glibc)
import Glibc
#endif

/// Facts about the machine for `nexus-ingest doctor`.
enum SystemFacts {
    /// Free bytes for unprivileged users on the file system holding `path`.
    static func freeBytes(_ path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// The device of `path` (renames work only within one device).
    static func device(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_dev)
    }

    /// Whether this process may write into directory `path`.
    static func isWritableDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR && access(path, W_OK) == 0
    }

    /// Whether the effective capabilities include CAP_LEASE (bit 28), needed to take a read
    /// lease on another user's upload.
    static func hasLeaseCapability() -> Bool {
        for line in procLines("/proc/self/status") where line.hasPrefix("CapEff:") {
            if let mask = UInt64(String(line.dropFirst(7)).trimming(" \t"), radix: 16) { return mask & (1 << 28) != 0 }
        }
        return false
    }

    /// The lines of a `/proc` (or `/sys`) file; none when it cannot be read.
    static func procLines(_ path: String) -> [String] {
        guard let bytes = try? Files.readAll(path) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
