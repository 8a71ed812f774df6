public import IngestCore

/// How an importer's files are read (spec §1.1): the pricing importers and XACT components
/// are strict, XACT raw is tolerant (§6.1).
public struct CSVDialect: Sendable, Equatable {
    /// The delimiters the file may use; with more than one, the planner sniffs the file
    /// (``CSVDelimiterSniffer``) and records its choice in the plan.
    public var delimiters: [CSVDelimiter]
    /// A row with fewer fields than the header reads the missing ones as empty, and extra
    /// fields are ignored, instead of rejecting the row.
    public var relaxedColumnCount: Bool
    /// A quote inside an unquoted field, or text after a closing quote, is kept as text
    /// instead of rejecting the row.
    public var relaxedQuotes: Bool
    /// Records whose fields are all empty or whitespace (e.g. `,,,,`) are dropped and
    /// counted (`blankRows`), not mapped.
    public var dropsBlankRecords: Bool

    /// A dialect; `delimiters` must not be empty (the first is the only one when it is alone).
    public init(
        delimiters: [CSVDelimiter], relaxedColumnCount: Bool = false, relaxedQuotes: Bool = false,
        dropsBlankRecords: Bool = false
    ) {
        precondition(!delimiters.isEmpty)
        self.delimiters = delimiters
        self.relaxedColumnCount = relaxedColumnCount
        self.relaxedQuotes = relaxedQuotes
        self.dropsBlankRecords = dropsBlankRecords
    }

    /// Comma-delimited, every row exactly as wide as the header, RFC 4180 quoting.
    public static let strict = CSVDialect(delimiters: [.comma])

    /// Whether a record with `issue` is still mapped (a quote issue in a relaxed dialect).
    public func tolerates(_ issue: CSVRecordIssue) -> Bool {
        switch issue {
        case .quoteInUnquotedField, .textAfterClosingQuote: relaxedQuotes
        case .invalidUTF8: false
        }
    }
}
