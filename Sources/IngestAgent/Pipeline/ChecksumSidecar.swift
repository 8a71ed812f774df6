import Importers

/// Reads `<upload>.sha256`, the sidecar a sender writes with `sha256sum FILE > FILE.sha256`
/// (`DIGEST  NAME`, `DIGEST *NAME`, a bare `DIGEST`, or BSD's `SHA256 (NAME) = DIGEST`).
/// Wherever a sidecar exists, the planner checks the upload against it.
enum ChecksumSidecar {
    /// The largest sidecar read: one line a file, for a directory's worth of files.
    static let maximumSize: Int64 = 1 << 20

    /// The lowercase SHA-256 that the sidecar of `upload` names for it; nil without a sidecar.
    /// - Throws: ``ImportFailure`` (`checksumMismatch`) for a sidecar that is not a regular
    ///   file, too large, or names no digest for the upload.
    static func expectedDigest(for upload: String) throws(ImportFailure) -> String? {
        let path = upload + CompletionSignal.checksumSuffix
        let name = String(path.split(separator: "/").last ?? "")
        guard let probe = FileProbe.probe(path) else { return nil }
        guard probe.kind == .regular, probe.size <= maximumSize, let bytes = try? Files.readAll(path) else {
            throw ImportFailure(code: .checksumMismatch, message: "\(name) is not a readable regular file of at most 1 MiB")
        }
        let uploadName = String(upload.split(separator: "/").last ?? "")
        var entries: [(digest: String, name: String?)] = []
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let text = line.trimmingASCIISpaces()
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let entry = parse(text) else {
                throw ImportFailure(
                    code: .checksumMismatch, message: "\(name) is not in sha256sum format (DIGEST  NAME): '\(text.prefix(100))'")
            }
            entries.append(entry)
        }
        let named = entries.first { $0.name.map { $0.split(separator: "/").last.map(String.init) == uploadName } ?? false }
        guard let entry = named ?? (entries.count == 1 ? entries.first : nil) else {
            throw ImportFailure(code: .checksumMismatch, message: "\(name) holds no SHA-256 for \(uploadName)")
        }
        return entry.digest
    }

    /// One line: its digest (lowercased) and the file name it gives, if any.
    static func parse(_ line: String) -> (digest: String, name: String?)? {
        if line.hasPrefix("SHA256 ("), let close = line.range(of: ") = ") {
            let digest = String(line[close.upperBound...])
            guard isDigest(digest) else { return nil }
            return (digest.lowercased(), String(line[line.index(line.startIndex, offsetBy: 8)..<close.lowerBound]))
        }
        let digest = String(line.prefix(64))
        guard isDigest(digest) else { return nil }
        var rest = line.dropFirst(64)
        if rest.isEmpty { return (digest.lowercased(), nil) }
        guard rest.first == " " || rest.first == "\t" else { return nil }
        rest = rest.dropFirst()
        if rest.first == " " || rest.first == "*" { rest = rest.dropFirst() }
        return (digest.lowercased(), rest.isEmpty ? nil : String(rest))
    }

    private static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }
    }
}
