import IngestCore

/// Wraps a byte source and computes the SHA-256 of everything read through it, so the
/// planner hashes the file in the same pass that scans it.
final class HashingByteSource: CSVByteSource {
    private let upstream: FileByteSource
    private let hasher = SHA256Hasher()
    /// Bytes read so far.
    private(set) var bytesRead: Int64 = 0

    init(_ upstream: FileByteSource) { self.upstream = upstream }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
        bytesRead += Int64(n)
        return n
    }

    /// Size and mtime of the open file now (``FileByteSource/status()``).
    func status() -> (size: Int64, mtimeNanoseconds: Int64)? { upstream.status() }

    /// The lowercase hex digest of the bytes read so far.
    func hexDigest() -> String {
        hasher.hexDigest()
    }
}
