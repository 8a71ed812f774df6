#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a file through `read(2)` in large blocks, for the ``CSVScanner``.
///
/// The source owns its descriptor and closes it when it is released. It never follows a
/// symbolic link in the last path component (`O_NOFOLLOW`), so a link planted in a drop
/// directory cannot make the scanner read a file outside it.
public final class FileByteSource: CSVByteSource, Sendable {
    private let fd: Int32
    /// The path the source was opened with, for error messages.
    public let path: String

    /// Opens `path` for reading.
    public init(path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError(operation: "open", path: path, errno: errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Size and modification time (nanoseconds since the epoch) of the open file now, from
    /// `fstat(2)`: whether what was read is still the whole file.
    public func status() -> (size: Int64, mtimeNanoseconds: Int64)? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// The source, set back to the file's start (`lseek(2)`), for another pass over the file.
    public func rewound() throws(SystemError) -> FileByteSource {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SystemError(operation: "lseek", path: path, errno: errno) }
        return self
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemError(operation: "read", path: path, errno: errno)
        }
    }
}
