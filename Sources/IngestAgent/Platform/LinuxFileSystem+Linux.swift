import IngestCore

/// The spool's file operations on the real file system (``Files``).
struct LinuxFileSystem: SpoolFileSystem {
    func makeDirectories(_ path: String) throws(SystemError) { try Files.makeDirectories(path) }
    func list(_ directory: String) throws(SystemError) -> [String] { try Files.list(directory) }
    func rename(_ source: String, to destination: String) throws(SystemError) -> Bool { try Files.rename(source, to: destination) }
    func exists(_ path: String) -> Bool { FileProbe.probe(path) != nil }
    func remove(_ path: String) throws(SystemError) { try Files.remove(path) }
    func removeDirectory(_ path: String) throws(SystemError) { try Files.removeDirectory(path) }
    func syncDirectory(_ directory: String) throws(SystemError) { try Files.syncDirectory(directory) }
}
