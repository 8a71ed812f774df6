public import IngestCore

/// Writes `<upload>.status.json` atomically (temp file, fsync, rename, fsync directory).
public enum StatusFileWriter {
    /// Writes the status file of `job` next to its upload, unless the file already follows a
    /// newer job of the same upload: the late write of an older one (an interrupted plan that
    /// another host failed while it planned the file again) never replaces it.
    public static func write(_ job: JobSnapshot) throws {
        guard let path = job.statusPath else { return }
        if let current = try? read(path), let newer = Int64(current.jobId), newer > job.id { return }
        var bytes = JSONText.encode(job.statusDocument, pretty: true)
        bytes.append(0x0A)
        try Files.writeAtomically(bytes, to: path)
    }

    /// Rewrites the status file of a job that has ended when it does not say so (a crash
    /// between the final commit and the status write); true when it wrote.
    @discardableResult
    public static func repairIfStale(_ job: JobSnapshot) throws -> Bool {
        guard job.status.isFinal, let path = job.statusPath else { return false }
        if let current = try? read(path), current.jobId == String(job.id), current.status == job.status { return false }
        try write(job)
        return true
    }

    /// Reads a status file.
    public static func read(_ path: String) throws -> StatusDocument {
        try JSONText.decode(StatusDocument.self, from: try Files.readAll(path))
    }
}
