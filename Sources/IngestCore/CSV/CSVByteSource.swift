/// Where a ``CSVScanner`` gets its bytes.
public protocol CSVByteSource {
    /// Fills the start of `buffer` with the next bytes of the input and returns how many it
    /// wrote; 0 means the input is exhausted.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// An in-memory input, for tests and small files.
public struct MemoryByteSource: CSVByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    /// Creates a source that yields `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Creates a source that yields the UTF-8 bytes of `text`.
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}
