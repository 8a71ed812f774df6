public import Logging
import IngestCore

#if canImport(Glibc)
import Glibc
#endif

/// One line per event on standard error (journald keeps it): `key=value` text or JSON.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let json: Bool

    /// Creates a handler; `format` is `text` or `json`.
    public init(label: String, level: Logger.Level, format: AgentSettings.LogFormat) {
        self.label = label
        self.logLevel = level
        self.json = format == .json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [("ts", Self.timestamp()), ("level", event.level.rawValue), ("msg", "\(event.message)")]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        var line: String
        if json {
            let object = JSONValue.object(Dictionary(fields.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 }))
            line = JSONText.string(object)
        } else {
            line = fields.map { key, value in "\(key)=\(Self.quoted(value))" }.joined(separator: " ")
        }
        line.append("\n")
        // One write(2) per line: lines from several threads never interleave.
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// Values with spaces, quotes, `=`, backslashes or control characters are quoted, and
    /// control characters escaped, so a line stays one machine-readable line whatever a file
    /// name holds (a name with a newline cannot forge a second log line).
    static func quoted(_ value: String) -> String {
        func special(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\"" || s == "=" || s == "\\" || s.value < 0x20 || s.value == 0x7F }
        guard value.isEmpty || value.unicodeScalars.contains(where: special) else { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}
