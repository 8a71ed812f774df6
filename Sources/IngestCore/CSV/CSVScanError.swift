/// A problem that stops a scan: the rest of the input cannot be split into records reliably.
///
/// Problems confined to one record (a stray quote, invalid UTF-8) are not errors but a
/// ``CSVRecordIssue`` on that record, so the caller can reject the row and go on.
public struct CSVScanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case recordTooLarge, tooManyFields, unterminatedQuote, readFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A record is longer than ``CSVScannerOptions/maxRecordBytes``.
        public static let recordTooLarge = Code(.recordTooLarge)
        /// A record has more than ``CSVScannerOptions/maxFields`` fields.
        public static let tooManyFields = Code(.tooManyFields)
        /// The input ends inside a quoted field.
        public static let unterminatedQuote = Code(.unterminatedQuote)
        /// Reading the input failed.
        public static let readFailed = Code(.readFailed)

        public var description: String {
            switch value {
            case .recordTooLarge: "recordTooLarge"
            case .tooManyFields: "tooManyFields"
            case .unterminatedQuote: "unterminatedQuote"
            case .readFailed: "readFailed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The physical line (1-based) where the offending record starts.
    public var line: Int
    /// A sentence for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, line: Int, message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
