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
        let source = try FileByteSource(path: path)
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try block.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            bytes += block[0..<n]
        }
        return try JSONText.decode(StatusDocument.self, from: bytes)
    }
}
