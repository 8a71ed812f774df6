public import IngestCore

/// A setting's typed value, after it has been checked against its ``ConfigurationKey``.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case list([String])

    /// As it would be written in the config file (lists comma-separated, empty text as `""`).
    public var description: String {
        switch self {
        case .text(let text): text.isEmpty ? "\"\"" : text
        case .integer(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .flag(let value): String(value)
        case .list(let entries): entries.joined(separator: ",")
        }
    }

    /// As JSON, for `nexus-ingest config --json`.
    public var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .integer(let value): .int(Int64(value))
        case .number(let value): .double(value)
        case .flag(let value): .bool(value)
        case .list(let entries): .array(entries.map(JSONValue.string))
        }
    }
}
