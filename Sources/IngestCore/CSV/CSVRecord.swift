/// One record handed out by ``CSVScanner/forEachRecord(_:)``.
///
/// A record is non-copyable and borrowed: it points into the scanner's buffer and cannot
/// outlive the callback. Copy out what you need (``string(at:)``, ``copyRawBytes()``).
public struct CSVRecord: ~Copyable {
    /// The physical line (1-based) where the record starts. Lines inside quoted fields count.
    public let line: Int
    /// A defect confined to this record, if any (stray quote, invalid UTF-8).
    public let issue: CSVRecordIssue?
    private let base: UnsafePointer<UInt8>
    private let byteCount: Int
    private let fields: [CSVFieldRange]

    init(line: Int, issue: CSVRecordIssue?, base: UnsafePointer<UInt8>, byteCount: Int, fields: [CSVFieldRange]) {
        self.line = line
        self.issue = issue
        self.base = base
        self.byteCount = byteCount
        self.fields = fields
    }

    /// The number of fields.
    public var fieldCount: Int { fields.count }

    /// Calls `body` with the record's raw bytes exactly as in the input, quotes included and
    /// the line terminator excluded.
    public func withRawBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: base, count: byteCount))
    }

    /// Whether a byte of the record is NUL (then some field holds it: quoting never makes
    /// one). One pass over the raw bytes, eight at a time: the planner asks it of every row,
    /// and it spares looking at each cell of the rows that have none.
    public var containsNUL: Bool {
        var next = base
        var remaining = byteCount
        while remaining >= 8 {
            let word = UnsafeRawPointer(next).loadUnaligned(as: UInt64.self)
            // Nonzero exactly when some byte of the word is zero.
            if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { return true }
            next += 8
            remaining -= 8
        }
        for offset in 0..<remaining where next[offset] == 0 { return true }
        return false
    }

    /// The raw bytes as an array (see ``withRawBytes(_:)``).
    public func copyRawBytes() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: byteCount))
    }

    /// Calls `body` with the content of field `index`: quotes removed, doubled quotes
    /// collapsed. No copy is made unless the field holds doubled quotes.
    public func withField<R, E: Error>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let field = fields[index]
        let raw = UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.end - field.start))
        guard field.escaped else { return try body(raw) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            unescaped.append(raw[i])
            i += (raw[i] == ASCII.quote && i + 1 < raw.count && raw[i + 1] == ASCII.quote) ? 2 : 1
        }
        return try unescaped.withUnsafeBufferPointer { buffer throws(E) in try body(buffer) }
    }

    /// The content of field `index` as a string (invalid UTF-8 becomes U+FFFD; check
    /// ``issue`` to reject such rows instead).
    public func string(at index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether every field is empty or only ASCII whitespace (`,,,,` or `, ,`).
    public var isBlank: Bool {
        for field in fields {
            for byte in UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.end - field.start))
            where byte != 0x20 && (byte < 0x09 || byte > 0x0D) {
                return false
            }
        }
        return true
    }

    /// Every field as a string.
    public func strings() -> [String] {
        (0..<fields.count).map { string(at: $0) }
    }
}
