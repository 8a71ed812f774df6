public import IngestCore

/// Writes `<upload>.status.json` atomically (temp file, fsync, rename, fsync directory).
public enum StatusFileWriter {
    /// Writes the status file of `job` next to its upload.
    public static func write(_ job: JobSnapshot) throws {
        guard let path = job.statusPath else { return }
        var bytes = JSONText.encode(job.statusDocument, pretty: true)
        bytes.append(0x0A)
        try Files.writeAtomically(bytes, to: path)
    }

    /// Reads a status file.
    public static func read(_ path: String) throws -> StatusDocument {
        try JSONText.decode(StatusDocument.self, from: try Files.readAll(path))
    }
}
