#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The temporary files of status writes whose process died between creating one and renaming
/// it over the status file (``Files/writeAtomically(_:to:mode:)``):
/// `.<upload>.status.json.<pid>.<16 hex digits at most>.tmp`, and `.<upload>.status.json.<pid>.tmp`
/// as older versions named them. Nothing else removes them; `gc` removes those under the drop
/// root that nobody has written for an hour (a write takes milliseconds).
enum LeftoverStatusFiles {
    /// How long a temporary status file must have gone unwritten to be a leftover.
    static let minimumAgeSeconds = 3600

    /// Whether `name` is the name of a status write's temporary file. Other hidden files
    /// (an SFTP client's upload in progress, say) never match: the name must end in
    /// `.status.json.<pid>[.<hex>].tmp`.
    static func isTemporaryStatusName(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        var parts = name.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        if parts.count >= 2, let last = parts.last, (1...16).contains(last.count),
            last.allSatisfy({ $0.isHexDigit && !$0.isUppercase }), parts[parts.count - 2].allSatisfy(\.isASCIIDigit)
        {
            parts.removeLast()  // the random suffix
        }
        guard let pid = parts.popLast(), !pid.isEmpty, pid.allSatisfy(\.isASCIIDigit) else { return false }
        return parts.count >= 3 && parts.suffix(2).elementsEqual(["status", "json"]) && !parts.dropLast(2).joined().isEmpty
    }

    /// Removes (or, with `dryRun`, counts) the leftovers under `root` last written more than
    /// ``minimumAgeSeconds`` before `now`; returns how many.
    static func sweep(under root: String, dryRun: Bool, now: time_t = time(nil)) -> Int {
        var removed = 0
        Files.forEachFile(under: root) { path, info in
            let name = path.split(separator: "/").last.map(String.init) ?? ""
            guard isTemporaryStatusName(name), now - info.st_mtim.tv_sec > minimumAgeSeconds else { return }
            if dryRun || (try? Files.remove(path)) != nil { removed += 1 }
        }
        return removed
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
