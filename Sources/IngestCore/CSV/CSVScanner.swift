#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A streaming, byte-level RFC 4180 scanner: the hot path of every import.
///
/// It reads its ``CSVByteSource`` in large blocks into one reusable buffer and hands each
/// record to the caller as a ``CSVRecord``: the record's raw bytes (so a planner can copy
/// the row into a chunk file untouched), the byte range of every field, and the physical
/// line where the record starts. It understands quoted fields with doubled quotes and CR/LF
/// inside them, LF, CRLF and lone-CR line ends, a leading UTF-8 BOM (skipped), and any of
/// the ``CSVDelimiter``s. Memory is bounded by ``CSVScannerOptions/maxRecordBytes`` plus one
/// block, whatever the size of the input.
///
/// The scanner works on bytes, never on `String` or `Character`: a plain byte loop with a
/// 256-entry class table. Building the scan on `String` iteration measured about ten times
/// slower on this project's machines (see `scripts/bench scan` and NOTES.md), which is why
/// this is hand-written rather than built on a CSV package.
public final class CSVScanner {
    private var source: any CSVByteSource
    private let options: CSVScannerOptions
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var eof = false
    private var atInputStart = true
    /// Physical line (1-based) where the next record starts.
    private var line = 1
    private var fields: [CSVFieldRange] = []
    /// Non-zero for the bytes that end an unquoted run: delimiter, quote, CR, LF.
    private let stopTable: UnsafeMutablePointer<UInt8>

    /// Total bytes read from the source so far (for progress reports).
    public private(set) var bytesRead = 0

    /// Creates a scanner over `source`.
    public init(source: some CSVByteSource, options: CSVScannerOptions = CSVScannerOptions()) {
        self.source = source
        self.options = options
        self.capacity = 2 * options.blockSize
        self.buffer = .allocate(capacity: capacity)
        self.stopTable = .allocate(capacity: 256)
        stopTable.initialize(repeating: 0, count: 256)
        for byte in [options.delimiter.rawValue, ASCII.quote, ASCII.cr, ASCII.lf] {
            stopTable[Int(byte)] = 1
        }
        fields.reserveCapacity(64)
    }

    deinit {
        buffer.deallocate()
        stopTable.deallocate()
    }

    /// Calls `body` with every record of the input, in order.
    ///
    /// The record (and every pointer it hands out) is valid only during the call. The first
    /// record is the header row, if the input has one; the scanner does not treat it apart.
    /// - Throws: ``CSVScanError`` when the input cannot be split further, the source's error
    ///   when reading fails, and whatever `body` throws.
    public func forEachRecord(_ body: (borrowing CSVRecord) throws -> Void) throws {
        while true {
            if start == end {
                if eof { return }
                try fill()
                continue
            }
            if atInputStart {
                if end - start < 3 && !eof {
                    try fill()
                    continue
                }
                if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                    start += 3
                }
                atInputStart = false
                continue
            }
            guard let parsed = try parseRecord(from: start) else {
                if end - start >= options.maxRecordBytes { throw tooLarge() }
                try fill()
                continue
            }
            let recordStart = start
            let recordLine = line
            let byteCount = parsed.end - recordStart
            if byteCount > options.maxRecordBytes { throw tooLarge() }
            line += parsed.newlines
            start = parsed.next
            if byteCount == 0 && options.skipEmptyLines { continue }
            var issue = parsed.issue
            if issue == nil && parsed.highBits & 0x80 != 0 {
                issue = firstInvalidUTF8Field(base: buffer + recordStart)
            }
            let record = CSVRecord(
                line: recordLine, issue: issue, base: UnsafePointer(buffer + recordStart),
                byteCount: byteCount, fields: fields)
            try body(record)
        }
    }

    private struct Parsed {
        var end: Int
        var next: Int
        var newlines: Int
        var highBits: UInt8
        var issue: CSVRecordIssue?
    }

    /// Splits the record that starts at `p` into `fields`; nil when the buffer ends before
    /// the record does and more input may follow.
    @inline(__always)
    private func parseRecord(from p: Int) throws(CSVScanError) -> Parsed? {
        // Work on a local array: appending to the stored property would cost a dynamic
        // exclusivity check per field (a third of all instructions, measured with callgrind).
        var fields = self.fields
        self.fields = []
        defer { self.fields = fields }
        fields.removeAll(keepingCapacity: true)
        let buf = buffer
        let end = self.end
        let eof = self.eof
        let delimiter = options.delimiter.rawValue
        let stop = stopTable
        var i = p
        var newlines = 0
        var highBits: UInt8 = 0
        var issue: CSVRecordIssue?

        while true {
            if fields.count >= options.maxFields {
                throw CSVScanError(
                    code: .tooManyFields, line: line,
                    message: "record has more than \(options.maxFields) fields")
            }
            if i < end && buf[i] == ASCII.quote {
                i += 1
                let contentStart = i
                var escaped = false
                var contentEnd: Int
                while true {
                    while i < end {
                        let b = buf[i]
                        if b == ASCII.quote { break }
                        if b == ASCII.lf {
                            newlines += 1
                        } else if b == ASCII.cr && (i + 1 < end ? buf[i + 1] != ASCII.lf : eof) {
                            newlines += 1
                        }
                        highBits |= b
                        i += 1
                    }
                    if i >= end {
                        if eof {
                            throw CSVScanError(
                                code: .unterminatedQuote, line: line,
                                message: "quoted field opened on this line is never closed before the end of the file")
                        }
                        return nil
                    }
                    if i + 1 < end {
                        if buf[i + 1] == ASCII.quote {
                            escaped = true
                            i += 2
                            continue
                        }
                    } else if !eof {
                        return nil
                    }
                    contentEnd = i
                    i += 1
                    break
                }
                if i < end, buf[i] != delimiter, buf[i] != ASCII.lf, buf[i] != ASCII.cr {
                    if issue == nil { issue = .textAfterClosingQuote(field: fields.count) }
                    while i < end {
                        let b = buf[i]
                        if b == delimiter || b == ASCII.lf || b == ASCII.cr { break }
                        highBits |= b
                        i += 1
                    }
                    if i >= end && !eof { return nil }
                    contentEnd = i
                }
                fields.append(CSVFieldRange(start: contentStart - p, end: contentEnd - p, escaped: escaped))
            } else {
                let fieldStart = i
                while i < end {
                    let b = buf[i]
                    if stop[Int(b)] != 0 {
                        if b != ASCII.quote { break }
                        if issue == nil { issue = .quoteInUnquotedField(field: fields.count) }
                    }
                    highBits |= b
                    i += 1
                }
                if i >= end && !eof { return nil }
                fields.append(CSVFieldRange(start: fieldStart - p, end: i - p, escaped: false))
            }

            if i >= end {
                return Parsed(end: i, next: i, newlines: newlines, highBits: highBits, issue: issue)
            }
            let b = buf[i]
            if b == delimiter {
                i += 1
                continue
            }
            if b == ASCII.lf {
                return Parsed(end: i, next: i + 1, newlines: newlines + 1, highBits: highBits, issue: issue)
            }
            // CR: CRLF or a lone CR, both one line end.
            if i + 1 < end {
                let next = buf[i + 1] == ASCII.lf ? i + 2 : i + 1
                return Parsed(end: i, next: next, newlines: newlines + 1, highBits: highBits, issue: issue)
            }
            if !eof { return nil }
            return Parsed(end: i, next: i + 1, newlines: newlines + 1, highBits: highBits, issue: issue)
        }
    }

    private func firstInvalidUTF8Field(base: UnsafeMutablePointer<UInt8>) -> CSVRecordIssue? {
        for (index, field) in fields.enumerated() {
            let bytes = UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.end - field.start))
            if !UTF8Validation.isValid(bytes) { return .invalidUTF8(field: index) }
        }
        return nil
    }

    private func tooLarge() -> CSVScanError {
        CSVScanError(
            code: .recordTooLarge, line: line,
            message: "record is larger than \(options.maxRecordBytes) bytes (an unterminated quote, or not a CSV file?)")
    }

    /// Moves unconsumed bytes to the front, grows the buffer if one record fills it, and reads.
    private func fill() throws {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            end -= start
            start = 0
        }
        if end == capacity {
            let limit = options.maxRecordBytes + options.blockSize
            guard capacity < limit else { throw tooLarge() }
            let newCapacity = min(capacity * 2, limit)
            let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBuffer.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = newBuffer
            capacity = newCapacity
        }
        let n: Int
        do {
            n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        } catch let error as SystemError {
            throw CSVScanError(code: .readFailed, line: line, message: error.description)
        }
        if n == 0 {
            eof = true
        } else {
            end += n
            bytesRead += n
        }
    }
}

/// The byte values the scanner cares about.
enum ASCII {
    static let quote: UInt8 = 0x22
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
}
