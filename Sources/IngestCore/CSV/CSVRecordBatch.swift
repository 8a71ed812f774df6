/// Records copied out of a ``CSVScanner`` together: their bytes, fields, lines and issues, in
/// memory of the batch's own, so that one thread can split the input into records while
/// another uses the records it split before (the planner's pass does both at once on two cores).
///
/// A batch is filled by ``append(_:)`` until it is full, read by ``withRecord(at:_:)``, and
/// reused after ``removeAll()``. Its memory grows only for a record larger than what it holds.
public final class CSVRecordBatch {
    /// Where one record lies in the batch.
    private struct Entry {
        var line: Int
        var issue: CSVRecordIssue?
        var containsNUL: Bool
        var byteOffset: Int
        var byteCount: Int
        var fieldOffset: Int
        var fieldCount: Int
    }

    private var bytes: UnsafeMutablePointer<UInt8>
    private var byteCapacity: Int
    private var fields: UnsafeMutablePointer<CSVFieldRange>
    private var fieldCapacity: Int
    private var entries: UnsafeMutablePointer<Entry>
    private var entryCapacity: Int
    /// The bytes, fields and records used: plain memory, not stored properties, which a class
    /// checks for exclusive access at every change (three per record, 7% of the scanning
    /// thread's time).
    private let used = UnsafeMutablePointer<Int>.allocate(capacity: 3)
    private var byteCount: Int {
        get { used[0] }
        set { used[0] = newValue }
    }
    private var fieldCount: Int {
        get { used[1] }
        set { used[1] = newValue }
    }
    /// The number of records.
    public private(set) var count: Int {
        get { used[2] }
        set { used[2] = newValue }
    }
    /// How many bytes of the input the scanner had read when the batch was filled (for progress).
    public var bytesRead = 0

    /// An empty batch with room for `byteCapacity` bytes of records.
    public init(byteCapacity: Int = 1 << 20) {
        self.byteCapacity = max(1, byteCapacity)
        bytes = .allocate(capacity: self.byteCapacity)
        // Room for records of 64 bytes in 8 fields on average; a batch of shorter records
        // or more fields is full before its bytes are.
        fieldCapacity = max(16, byteCapacity / 8)
        fields = .allocate(capacity: fieldCapacity)
        entryCapacity = max(16, byteCapacity / 64)
        entries = .allocate(capacity: entryCapacity)
        used.initialize(repeating: 0, count: 3)
    }

    deinit {
        used.deallocate()
        bytes.deallocate()
        fields.deallocate()
        entries.deallocate()
    }

    /// Copies `record` in; false, leaving the batch as it was, when it is full. An empty batch
    /// takes any record (growing for one larger than its memory).
    public func append(_ record: borrowing CSVRecord) -> Bool {
        let recordBytes = record.byteCount
        let recordFields = record.fieldCount
        if byteCount + recordBytes > byteCapacity || fieldCount + recordFields > fieldCapacity || count == entryCapacity {
            guard count == 0 else { return false }
            grow(bytes: recordBytes, fields: recordFields)
        }
        (bytes + byteCount).update(from: record.base, count: recordBytes)
        (fields + fieldCount).update(from: record.fields, count: recordFields)
        (entries + count).initialize(to: Entry(
            line: record.line, issue: record.issue, containsNUL: record.containsNUL, byteOffset: byteCount,
            byteCount: recordBytes, fieldOffset: fieldCount, fieldCount: recordFields))
        byteCount += recordBytes
        fieldCount += recordFields
        count += 1
        return true
    }

    /// Calls `body` with record `index` (valid only during the call, and until the batch is
    /// emptied).
    public func withRecord<R, E: Error>(at index: Int, _ body: (borrowing CSVRecord) throws(E) -> R) throws(E) -> R {
        precondition(index >= 0 && index < count, "record index out of range")
        let entry = entries[index]
        let record = CSVRecord(
            line: entry.line, issue: entry.issue, containsNUL: entry.containsNUL, base: UnsafePointer(bytes + entry.byteOffset),
            byteCount: entry.byteCount, fields: UnsafePointer(fields + entry.fieldOffset), fieldCount: entry.fieldCount)
        return try body(record)
    }

    /// Empties the batch, keeping its memory.
    public func removeAll() {
        byteCount = 0
        fieldCount = 0
        count = 0
        bytesRead = 0
    }

    /// Makes room for one record of `bytes` bytes and `fields` fields in the empty batch.
    private func grow(bytes needed: Int, fields neededFields: Int) {
        if needed > byteCapacity {
            bytes.deallocate()
            byteCapacity = needed
            bytes = .allocate(capacity: byteCapacity)
        }
        if neededFields > fieldCapacity {
            fields.deallocate()
            fieldCapacity = neededFields
            fields = .allocate(capacity: fieldCapacity)
        }
    }
}
