/// A defect confined to one record. The scanner keeps going; the caller decides whether to
/// reject the row (the importers do, with this text as the reason).
public enum CSVRecordIssue: Sendable, Equatable, CustomStringConvertible {
    /// A `"` inside a field that does not start with a quote, e.g. `ab"c`.
    case quoteInUnquotedField(field: Int)
    /// Bytes between a closing quote and the next delimiter, e.g. `"ab"c`.
    case textAfterClosingQuote(field: Int)
    /// A field whose bytes are not valid UTF-8.
    case invalidUTF8(field: Int)

    /// The zero-based field index the issue is in.
    public var field: Int {
        switch self {
        case .quoteInUnquotedField(let f), .textAfterClosingQuote(let f), .invalidUTF8(let f): f
        }
    }

    public var description: String {
        switch self {
        case .quoteInUnquotedField(let f): "field \(f + 1): quote character inside an unquoted field"
        case .textAfterClosingQuote(let f): "field \(f + 1): text after the closing quote"
        case .invalidUTF8(let f): "field \(f + 1): invalid UTF-8"
        }
    }
}
