import CLibPQ

/// Sends `COPY FROM STDIN` data in large buffers; handed to the body of
/// ``PostgresConnection/copyIn(_:_:)``.
///
/// Bytes collect in a 1 MiB buffer and go to libpq in one `PQputCopyData` call when it fills
/// (small writes cost a function call each and starve the server).
public struct CopyInWriter {
    /// Bytes gathered before one `PQputCopyData` call.
    public static let bufferSize = 1 << 20

    private let connection: PostgresConnection
    private let handle: OpaquePointer
    private var buffer: [UInt8] = []

    init(connection: PostgresConnection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
        buffer.reserveCapacity(Self.bufferSize + 4096)
    }

    /// Appends raw bytes (already in the COPY format) to the stream.
    public mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Appends raw bytes (already in the COPY format) to the stream.
    public mutating func write(_ bytes: some Sequence<UInt8>) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Appends one row in the text format: fields separated by tabs, NULL as `\N`, and
    /// backslash, tab, CR and LF escaped.
    public mutating func writeTextRow(_ fields: [String?]) throws(PostgresError) {
        Self.appendTextRow(fields, to: &buffer)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Appends to `out` the row ``writeTextRow(_:)`` sends for `fields`.
    public static func appendTextRow(_ fields: [String?], to out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(0x09) }
            guard var field else {
                out.append(contentsOf: [0x5C, 0x4E])  // \N
                continue
            }
            field.withUTF8 { appendTextEscaped($0, to: &out) }
        }
        out.append(0x0A)
    }

    /// Sends what is buffered.
    public mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw connection.lastError(code: .connectionLost) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Appends `bytes` escaped for the COPY text format (backslash, tab, LF and CR). Runs without
    /// a special byte are appended in one piece (non-generic over a buffer: fast in debug builds
    /// too).
    public static func appendTextEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        for i in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[i] {
            case 0x5C: escaped = 0x5C
            case 0x09: escaped = 0x74
            case 0x0A: escaped = 0x6E
            case 0x0D: escaped = 0x72
            default: continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            out.append(0x5C)
            out.append(escaped)
            runStart = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }
}
