#if canImport(Glibc)
import Glibc
#endif

/// The mount that holds a path, from `/proc/self/mountinfo` (for `doctor`'s spool check).
struct MountInfo: Equatable {
    var mountPoint: String
    /// `nfs`, `nfs4`, `ext4`, `tmpfs`, …
    var fileSystemType: String
    /// `server:/export` for NFS.
    var source: String
    /// The per-mount and the file system's own options together (`hard`, `lookupcache=…`, `ac…`).
    var options: [String]

    /// Whether clients on several hosts share it over the network (NFS).
    var isNetworkFileSystem: Bool { fileSystemType.hasPrefix("nfs") }

    /// The mount of this process that holds `path`.
    static func containing(_ path: String) -> MountInfo? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return containing(String(cString: resolved), mountinfo: SystemFacts.procLines("/proc/self/mountinfo"))
    }

    /// The mount among `mountinfo`'s lines whose mount point is the longest prefix of `path`
    /// (an absolute path without symbolic links).
    static func containing(_ path: String, mountinfo: [String]) -> MountInfo? {
        var best: MountInfo?
        for line in mountinfo {
            // `id parent major:minor root mount-point options [optional…] - type source super-options`
            let halves = line.split(separator: " - ", maxSplits: 1).map { $0.split(separator: " ").map(String.init) }
            guard halves.count == 2, halves[0].count >= 6, halves[1].count >= 2 else { continue }
            let mountPoint = unescape(halves[0][4])
            let within = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            guard within, mountPoint.count >= (best?.mountPoint.count ?? -1) else { continue }
            let options = halves[0][5].split(separator: ",").map(String.init)
                + (halves[1].count >= 3 ? halves[1][2].split(separator: ",").map(String.init) : [])
            best = MountInfo(mountPoint: mountPoint, fileSystemType: halves[1][0], source: halves[1][1], options: options)
        }
        return best
    }

    /// mountinfo writes a space, tab, newline and backslash in a path as `\040` and the like.
    private static func unescape(_ field: String) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
               let value = UInt8(String(decoding: raw[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
