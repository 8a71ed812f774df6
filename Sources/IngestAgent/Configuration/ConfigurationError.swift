/// A configuration that cannot be used: every problem found, each naming its source (file
/// and line, or environment variable), the key, the value and what was expected.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem one is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case unreadableFile, syntax, unknownKey, invalidValue, duplicateKey, notConfigured }
        private let value: Value

        /// The config file is missing or cannot be read.
        public static let unreadableFile = Code(value: .unreadableFile)
        /// The config file is not valid YAML, or not a mapping of keys.
        public static let syntax = Code(value: .syntax)
        /// A key (or `NEXUS_INGEST_*` variable) that no setting has.
        public static let unknownKey = Code(value: .unknownKey)
        /// A value of the wrong type or out of range.
        public static let invalidValue = Code(value: .invalidValue)
        /// A key given twice in one file.
        public static let duplicateKey = Code(value: .duplicateKey)
        /// A setting a command needs is not set.
        public static let notConfigured = Code(value: .notConfigured)

        public var description: String { value.rawValue }
    }

    /// One problem.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// What kind of problem.
        public var code: Code
        /// Where the offending text is; nil when no one place is to blame.
        public var source: ConfigurationSource?
        /// The setting, e.g. `workers` or `database.url`; nil for a whole-file problem.
        public var key: String?
        /// What is wrong and what was expected.
        public var message: String

        /// Creates a problem.
        public init(code: Code, source: ConfigurationSource?, key: String?, message: String) {
            self.code = code
            self.source = source
            self.key = key
            self.message = message
        }

        /// `config file /etc/x.yaml, line 12: workers: 'many' is not a whole number; expected ...`
        public var description: String {
            var text = source.map { "\($0): " } ?? ""
            if let key { text += "\(key): " }
            return text + message
        }
    }

    /// Every problem found, in the order of the sources.
    public var problems: [Problem]

    /// An error of one or more problems.
    public init(_ problems: [Problem]) { self.problems = problems }

    /// An error of one problem.
    public init(code: Code, source: ConfigurationSource? = nil, key: String? = nil, message: String) {
        problems = [Problem(code: code, source: source, key: key, message: message)]
    }

    /// The problems, one per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
