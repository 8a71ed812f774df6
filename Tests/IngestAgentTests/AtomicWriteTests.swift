#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

@testable import IngestAgent

/// `Files.writeAtomically`, which writes every status file, on a real directory.
@Suite struct AtomicWriteTests {
    /// The temporary file an agent of the same process id left when it was killed between the
    /// create and the rename (agents on several hosts are each process 1 of their PID
    /// namespace) does not stop the next writes.
    @Test func aTemporaryFileLeftByAKilledWriterOfTheSameProcessIDDoesNotBlockWrites() throws {
        var template = Array("/tmp/nexus-atomic.XXXXXX".utf8CString)
        let directory = try #require(mkdtemp(&template).map { String(cString: $0) })
        defer { try? Files.removeDirectory(directory) }
        let path = directory + "/upload.csv.status.json"
        let leftover = open("\(directory)/.upload.csv.status.json.\(getpid()).tmp", O_CREAT | O_WRONLY, 0o600)
        try #require(leftover >= 0)
        close(leftover)

        try Files.writeAtomically(Array("first\n".utf8), to: path)
        try Files.writeAtomically(Array("second\n".utf8), to: path)
        #expect(try Files.readAll(path) == Array("second\n".utf8))
        // Only the leftover stays beside it: each write's own temporary file was renamed.
        #expect(try Files.list(directory).sorted() == [".upload.csv.status.json.\(getpid()).tmp", "upload.csv.status.json"])
    }
}
