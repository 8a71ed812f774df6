/// One record handed out by ``CSVScanner/forEachRecord(_:)``.
///
/// A record is non-copyable and borrowed: it points into the scanner's buffer and cannot
/// outlive the callback. Copy out what you need (``string(at:)``, ``copyRawBytes()``).
public struct CSVRecord: ~Copyable {
    /// The physical line (1-based) where the record starts. Lines inside quoted fields count.
    public let line: Int
    /// A defect confined to this record, if any (stray quote, invalid UTF-8).
    public let issue: CSVRecordIssue?
    /// Whether a byte of the record is NUL (then some field holds it: quoting never makes
    /// one). The scanner tells it from the same pass that looks for UTF-8: the planner asks
    /// it of every row, and it spares looking at each cell of the rows that have none.
    public let containsNUL: Bool
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let byteCount: Int
    @usableFromInline let fields: UnsafePointer<CSVFieldRange>
    /// The number of fields.
    public let fieldCount: Int

    init(
        line: Int, issue: CSVRecordIssue?, containsNUL: Bool, base: UnsafePointer<UInt8>, byteCount: Int,
        fields: UnsafePointer<CSVFieldRange>, fieldCount: Int
    ) {
        self.line = line
        self.issue = issue
        self.containsNUL = containsNUL
        self.base = base
        self.byteCount = byteCount
        self.fields = fields
        self.fieldCount = fieldCount
    }

    /// Calls `body` with the record's raw bytes exactly as in the input, quotes included and
    /// the line terminator excluded.
    @inlinable
    public func withRawBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: base, count: byteCount))
    }

    /// The raw bytes as an array (see ``withRawBytes(_:)``).
    public func copyRawBytes() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: byteCount))
    }

    /// Calls `body` with the content of field `index`: quotes removed, doubled quotes
    /// collapsed. No copy is made unless the field holds doubled quotes.
    ///
    /// Inlinable: the mappers of other modules ask it of several cells of every row, and as a
    /// generic call across modules it was not specialized (6% of a Golden Components plan).
    @inlinable
    public func withField<R, E: Error>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        precondition(index >= 0 && index < fieldCount, "field index out of range")
        let field = fields[index]
        let raw = UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.end &- field.start))
        guard field.escaped else { return try body(raw) }
        let unescaped = Self.unescaped(raw)
        return try unescaped.withUnsafeBufferPointer { buffer throws(E) in try body(buffer) }
    }

    /// `raw` with each doubled quote collapsed to one.
    @usableFromInline
    static func unescaped(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            unescaped.append(raw[i])
            i += (raw[i] == ASCII.quote && i + 1 < raw.count && raw[i + 1] == ASCII.quote) ? 2 : 1
        }
        return unescaped
    }

    /// The content of field `index` as a string (invalid UTF-8 becomes U+FFFD; check
    /// ``issue`` to reject such rows instead).
    public func string(at index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether every field is empty or only ASCII whitespace (`,,,,` or `, ,`).
    public var isBlank: Bool {
        for index in 0..<fieldCount {
            let field = fields[index]
            for byte in UnsafeBufferPointer(start: base + Int(field.start), count: Int(field.end - field.start))
            where byte != 0x20 && (byte < 0x09 || byte > 0x0D) {
                return false
            }
        }
        return true
    }

    /// Every field as a string.
    public func strings() -> [String] {
        (0..<fieldCount).map { string(at: $0) }
    }
}
