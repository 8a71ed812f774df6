import IngestCore

/// The file operations of the spool (``Spool``): what claims, publications and removals are
/// made of. The agent uses ``LinuxFileSystem``; unit tests use an in-memory one, so that the
/// claim logic is tested without disks or races of the host.
protocol SpoolFileSystem: Sendable {
    /// Creates `path` and its parents (mode 0750); an existing directory is fine.
    func makeDirectories(_ path: String) throws(SystemError)
    /// The names in `directory`; empty when it does not exist.
    func list(_ directory: String) throws(SystemError) -> [String]
    /// Renames atomically; false (and no error) when `source` no longer exists, i.e. when
    /// another claimer's rename of the same chunk won.
    func rename(_ source: String, to destination: String) throws(SystemError) -> Bool
    /// Whether `path` exists.
    func exists(_ path: String) -> Bool
    /// Removes a file; a missing one is fine.
    func remove(_ path: String) throws(SystemError)
    /// Removes a directory and the files directly in it; a missing one is fine.
    func removeDirectory(_ path: String) throws(SystemError)
    /// Makes the renames into `directory` durable.
    func syncDirectory(_ directory: String) throws(SystemError)
}
