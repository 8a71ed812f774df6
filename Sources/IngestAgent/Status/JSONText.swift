#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import IngestCore

/// JSON text for `jsonb` parameters and status files.
enum JSONText {
    /// Compact JSON with sorted keys.
    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own value types cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("null".utf8))
    }

    static func string<T: Encodable>(_ value: T) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Parses JSON text read from the database.
    static func decode(_ text: String?) -> JSONValue? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Parses a file's JSON content into `T`.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
