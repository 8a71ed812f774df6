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
        guard let file = fopen("/proc/self/status", "r") else { return false }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, 512, file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("CapEff:"), let mask = UInt64(String(text.dropFirst(7)).trimming(" \t\n"), radix: 16) {
                return mask & (1 << 28) != 0
            }
        }
        return false
    }
}
