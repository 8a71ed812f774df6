import CLibPQ

/// The rows of a successful command. Values are in PostgreSQL's text format and are read
/// with ``PostgresRow/decode(_:as:)`` into Swift types.
public final class PostgresResult {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) { self.result = result }

    deinit { PQclear(result) }

    /// The number of rows.
    public var count: Int { Int(PQntuples(result)) }

    /// The number of columns.
    public var columnCount: Int { Int(PQnfields(result)) }

    /// Rows affected by an INSERT, UPDATE, DELETE, COPY, …; 0 for other commands.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    /// The rows.
    public var rows: [PostgresRow] { (0..<count).map { PostgresRow(result: self, index: $0) } }

    /// The first row, if any.
    public var first: PostgresRow? { count > 0 ? PostgresRow(result: self, index: 0) : nil }

    /// The raw text of a cell, nil for SQL NULL.
    public func text(row: Int, column: Int) -> String? {
        guard row < count, column < columnCount else { return nil }
        if PQgetisnull(result, Int32(row), Int32(column)) != 0 { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }
}

/// One row of a ``PostgresResult``.
public struct PostgresRow {
    let result: PostgresResult
    /// The row's position in the result.
    public let index: Int

    /// The raw text of column `column`, nil for SQL NULL.
    public subscript(column: Int) -> String? { result.text(row: index, column: column) }

    /// Column `column` as `T`, nil for SQL NULL.
    /// - Throws: ``PostgresError/Code/decoding`` when the text is not a valid `T`.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T? {
        guard let text = self[column] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(code: .decoding, message: "column \(column) value '\(text)' is not a valid \(T.self)")
        }
        return value
    }

    /// Column `column` as `T`, which must not be NULL.
    public func require<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let value = try decode(column, as: type) else {
            throw PostgresError(code: .decoding, message: "column \(column) is NULL, expected \(T.self)")
        }
        return value
    }
}
