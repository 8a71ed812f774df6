@testable import IngestAgent
import IngestCore
import Synchronization

/// The spool's file system in memory: directories and files by path, every operation atomic
/// under one lock (as rename(2) is), so that concurrent claimers race as they do on disk.
final class InMemoryFileSystem: SpoolFileSystem {
    private struct Tree {
        var directories: Set<String> = ["/"]
        var files: [String: [UInt8]] = [:]
    }

    private let tree = Mutex(Tree())
    private let lostReplies = Mutex(false)

    /// Renames that succeed report ENOENT all the same, as over NFS when the reply to a rename
    /// is lost and the client's retry finds no source.
    var losesRenameReplies: Bool {
        get { lostReplies.withLock { $0 } }
        set { lostReplies.withLock { $0 = newValue } }
    }

    /// Creates a file (its directory must exist).
    func write(_ path: String, _ text: String) {
        tree.withLock { $0.files[path] = Array(text.utf8) }
    }

    /// The files below `directory`, directly, sorted.
    func files(in directory: String) -> [String] {
        tree.withLock { tree in tree.files.keys.filter { Self.parent(of: $0) == directory }.map { Self.name(of: $0) }.sorted() }
    }

    func makeDirectories(_ path: String) throws(SystemError) {
        tree.withLock { tree in
            var current = ""
            for component in path.split(separator: "/") {
                current += "/" + component
                tree.directories.insert(current)
            }
        }
    }

    func list(_ directory: String) throws(SystemError) -> [String] {
        tree.withLock { tree in
            let files = tree.files.keys.filter { Self.parent(of: $0) == directory }
            let directories = tree.directories.filter { $0 != "/" && Self.parent(of: $0) == directory }
            return (files + directories).map { Self.name(of: $0) }
        }
    }

    func rename(_ source: String, to destination: String) throws(SystemError) -> Bool {
        try tree.withLock { tree throws(SystemError) -> Bool in
            guard let bytes = tree.files[source] else { return false }
            guard tree.directories.contains(Self.parent(of: destination)) else {
                throw SystemError(operation: "rename", path: "\(source) -> \(destination)", errno: 2)
            }
            tree.files[source] = nil
            tree.files[destination] = bytes
            return !losesRenameReplies
        }
    }

    func exists(_ path: String) -> Bool { tree.withLock { $0.files[path] != nil || $0.directories.contains(path) } }

    func remove(_ path: String) throws(SystemError) { _ = tree.withLock { $0.files.removeValue(forKey: path) } }

    func removeDirectory(_ path: String) throws(SystemError) {
        tree.withLock { tree in
            for file in tree.files.keys where Self.parent(of: file) == path { tree.files[file] = nil }
            tree.directories.remove(path)
        }
    }

    func syncDirectory(_ directory: String) throws(SystemError) {}

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func name(of path: String) -> String { String(path.split(separator: "/").last ?? "") }
}
