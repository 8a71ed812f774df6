/// The field delimiters the scanner understands.
public enum CSVDelimiter: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case comma = 0x2C
    case tab = 0x09
    case semicolon = 0x3B
    case pipe = 0x7C

    /// Parses a configuration name (`comma`, `tab`, `semicolon`, `pipe`) or the character itself.
    public init?(name: String) {
        switch name.lowercased() {
        case "comma", ",": self = .comma
        case "tab", "\t", "\\t": self = .tab
        case "semicolon", ";": self = .semicolon
        case "pipe", "|": self = .pipe
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .comma: "comma"
        case .tab: "tab"
        case .semicolon: "semicolon"
        case .pipe: "pipe"
        }
    }
}
