import CLibPQ
import CNexusByteScan

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
    /// a special byte are appended in one piece, found 64 bytes at a time
    /// (`nexus_match4_64`): escaping the bench's 101 MB Golden PETL file cut into cells of 1 to
    /// 600 bytes took 0.11 s byte by byte, 0.05 s so (the Golden PETL encoder escapes about
    /// four times its file: the raw JSON repeats the header's names in every row).
    public static func appendTextEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress else { return }
        var runStart = 0
        func escape(at index: Int) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            out.append(0x5C)
            switch bytes[index] {
            case 0x09: out.append(0x74)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            default: out.append(0x5C)
            }
            runStart = index + 1
        }
        var block = 0
        while block + 64 <= bytes.count {
            var hits = nexus_match4_64(base + block, 0x5C, 0x09, 0x0A, 0x0D)
            while hits != 0 {
                escape(at: block + hits.trailingZeroBitCount)
                hits &= hits &- 1
            }
            block += 64
        }
        for index in block..<bytes.count {
            switch bytes[index] {
            case 0x5C, 0x09, 0x0A, 0x0D: escape(at: index)
            default: continue
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }
}
