/// Why ``Migrator`` refused to touch a database.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal.
    public struct Code: Hashable, Sendable {
        private let value: Int
        private init(_ value: Int) { self.value = value }
        /// The database has migrations this binary does not know: it is newer.
        public static let databaseIsNewer = Code(1)
        /// An applied migration's recorded checksum differs from the embedded file.
        public static let checksumMismatch = Code(2)
    }

    /// The kind of refusal.
    public var code: Code
    /// A sentence for operators.
    public var message: String

    public var description: String { message }
}
