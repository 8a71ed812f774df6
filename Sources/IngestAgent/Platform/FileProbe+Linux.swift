#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNexusPlatform

/// What `lstat(2)` says about a drop-directory entry (links are never followed).
struct FileProbe: Equatable {
    enum Kind: Equatable { case regular, directory, other }

    var kind: Kind
    var size: Int64
    /// Modification time in nanoseconds since the epoch.
    var mtimeNanoseconds: Int64
    /// How many names the file has (hard links).
    var linkCount: Int = 1

    /// Probes `path`; nil when it does not exist (any more).
    static func probe(_ path: String) -> FileProbe? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        return FileProbe(
            kind: kind, size: Int64(info.st_size),
            mtimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            linkCount: Int(info.st_nlink))
    }

    /// Whether another process has `path` open for writing, by trying a read lease: the
    /// kernel refuses it with EAGAIN while any writer holds the file. `nil` when leases are
    /// not available to this process (another user's file without CAP_LEASE): the caller
    /// then relies on the settle time alone.
    static func hasWriter(_ path: String) -> Bool? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        if nexus_set_read_lease(fd) == 0 {
            _ = nexus_release_lease(fd)
            return false
        }
        return errno == EAGAIN ? true : nil
    }

    /// Lists a directory's entries (names only, no `.`/`..`).
    static func entries(_ directory: String) -> [String] {
        (try? Files.list(directory)) ?? []
    }
}
