import IngestCore

/// Writes `<upload>.rejects.csv`: `line,reason,record`, one row per rejected record with its
/// real line number and the original text. The file appears (atomically renamed from a
/// temporary name) only when there is at least one reject; a stale one from an earlier
/// delivery of the same name is removed.
final class RejectsWriter {
    let path: String
    private let temporaryPath: String
    private var writer: BufferedFileWriter?
    private(set) var count = 0

    init(uploadPath: String) {
        path = uploadPath + ".rejects.csv"
        temporaryPath = Files.parentDirectory(of: uploadPath) + "/." + String(path.split(separator: "/").last!) + ".tmp"
    }

    /// Records one rejected record.
    func reject(line: Int, reason: String, raw: UnsafeBufferPointer<UInt8>) throws {
        if writer == nil {
            try Files.remove(temporaryPath)
            let created = try BufferedFileWriter(path: temporaryPath)
            try created.write(Array("line,reason,record\n".utf8))
            writer = created
        }
        var row: [UInt8] = []
        CSVFormatter.appendField(String(line).utf8, to: &row)
        row.append(UInt8(ascii: ","))
        CSVFormatter.appendField(reason.utf8, to: &row)
        row.append(UInt8(ascii: ","))
        CSVFormatter.appendField(raw, to: &row)
        row.append(0x0A)
        try writer!.write(row)
        count += 1
    }

    /// Publishes the file (or removes a stale one when nothing was rejected).
    func finish() throws {
        guard let writer else {
            try Files.remove(path)
            return
        }
        try writer.close(sync: true)
        self.writer = nil
        _ = try Files.rename(temporaryPath, to: path)
        try Files.syncDirectory(Files.parentDirectory(of: path))
    }

    /// Drops the temporary file after a failure that prevents a useful report.
    func abandon() {
        try? writer?.close(sync: false)
        writer = nil
        try? Files.remove(temporaryPath)
    }
}
