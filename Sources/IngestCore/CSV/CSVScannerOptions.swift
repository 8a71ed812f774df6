/// Settings of a ``CSVScanner``.
public struct CSVScannerOptions: Sendable, Equatable {
    /// The field delimiter.
    public var delimiter: CSVDelimiter
    /// The largest record, in bytes, the scanner accepts before it stops with
    /// ``CSVScanError/Code/recordTooLarge``. It bounds the scanner's memory.
    public var maxRecordBytes: Int
    /// The largest number of fields in one record.
    public var maxFields: Int
    /// How many bytes one `read` asks for.
    public var blockSize: Int
    /// Whether records made of zero bytes (an empty line) are skipped, as csv-parse does.
    /// Lines that hold only delimiters are records, not empty lines.
    public var skipEmptyLines: Bool

    /// Creates options; the defaults suit files of any size.
    public init(
        delimiter: CSVDelimiter = .comma,
        maxRecordBytes: Int = 16 << 20,
        maxFields: Int = 10_000,
        blockSize: Int = 1 << 20,
        skipEmptyLines: Bool = true
    ) {
        precondition(maxRecordBytes > 0 && maxFields > 0 && blockSize > 0)
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
        self.maxFields = maxFields
        self.blockSize = blockSize
        self.skipEmptyLines = skipEmptyLines
    }
}
