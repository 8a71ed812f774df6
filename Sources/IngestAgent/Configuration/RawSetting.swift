import Importers

/// A setting as one source wrote it, before it is checked: a single value, or a list whose
/// entries each know where they were written (a YAML sequence, or a comma-separated variable).
struct RawSetting: Sendable {
    /// One written value.
    struct Entry: Sendable {
        var text: String
        var source: ConfigurationSource
    }

    enum Shape: Sendable {
        case scalar(Entry)
        case list([Entry])
    }

    var shape: Shape
    /// Where the setting itself was written (the key's line, or the variable).
    var source: ConfigurationSource
}

extension ConfigurationKey {
    /// Checks `raw` and returns the typed value, or the problems that name source, key,
    /// value and what was expected.
    func parse(_ raw: RawSetting) -> Result<SettingValue, ConfigurationError> {
        switch (kind, raw.shape) {
        case (.routes(let importers), .list(let entries)):
            return parseRoutes(entries, importers: importers)
        case (.routes(let importers), .scalar(let entry)):
            // A single line, as in NEXUS_INGEST_ROUTES="a=b,c=d".
            let parts = entry.text.split(separator: ",", omittingEmptySubsequences: true)
            return parseRoutes(parts.map { RawSetting.Entry(text: $0.trimmingASCIISpaces(), source: entry.source) }, importers: importers)
        case (_, .list):
            return .failure(invalid(raw.source, "a list was given; expected a single value, \(expectation)"))
        case (_, .scalar(let entry)):
            return parseScalar(entry).mapError { problem in invalid(entry.source, problem.message) }
        }
    }

    private func invalid(_ source: ConfigurationSource, _ message: String) -> ConfigurationError {
        ConfigurationError(code: .invalidValue, source: source, key: name, message: message)
    }

    private func parseScalar(_ entry: RawSetting.Entry) -> Result<SettingValue, ValueProblem> {
        let text = entry.text.trimmingASCIISpaces()
        let shown = "'\(secret ? "********" : entry.text)'"
        switch kind {
        case .text:
            return .success(.text(text))
        case .nonEmptyText:
            return text.isEmpty ? .failure(ValueProblem("the value is empty; expected \(expectation)")) : .success(.text(text))
        case .integer(let minimum):
            guard let value = Self.wholeNumber(text) else { return .failure(ValueProblem("\(shown) is not a whole number; expected \(expectation)")) }
            guard value >= minimum else { return .failure(ValueProblem("\(shown) is out of range; expected \(expectation)")) }
            return .success(.integer(value))
        case .number(let minimum, let maximum):
            guard let value = Self.decimalNumber(text) else { return .failure(ValueProblem("\(shown) is not a number; expected \(expectation)")) }
            guard value >= minimum, maximum.map({ value <= $0 }) ?? true else {
                return .failure(ValueProblem("\(shown) is out of range; expected \(expectation)"))
            }
            return .success(.number(value))
        case .flag:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .success(.flag(true))
            case "false", "no", "off", "0": return .success(.flag(false))
            default: return .failure(ValueProblem("\(shown) is not true or false"))
            }
        case .choice(let words):
            guard words.contains(text.lowercased()) else { return .failure(ValueProblem("\(shown) is not \(expectation)")) }
            return .success(.text(text.lowercased()))
        case .chunks:
            if text == "auto" { return .success(.text("auto")) }
            guard let value = Self.wholeNumber(text), value >= 1 else { return .failure(ValueProblem("\(shown) is not \(expectation)")) }
            return .success(.integer(value))
        case .routes:
            preconditionFailure("routes are parsed as a list")
        }
    }

    private func parseRoutes(_ entries: [RawSetting.Entry], importers: ImporterRegistry) -> Result<SettingValue, ConfigurationError> {
        var problems: [ConfigurationError.Problem] = []
        for entry in entries {
            do {
                _ = try RouteTable.Route(entry: entry.text, importers: importers)
            } catch {
                problems.append(.init(code: .invalidValue, source: entry.source, key: name, message: error.message))
            }
        }
        return problems.isEmpty ? .success(.list(entries.map(\.text))) : .failure(ConfigurationError(problems))
    }

    /// Decimal digits with an optional sign; nothing else (no `5O`, `2.5`, `0x10`).
    static func wholeNumber(_ text: String) -> Int? {
        let digits = text.utf8.drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        guard text.utf8.count - digits.count <= 1, !digits.isEmpty,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }

    /// A plain decimal number (`2`, `0.25`, `1e3`); no hexadecimal, `inf` or `nan`, which
    /// Swift's `Double(_:)` would take.
    static func decimalNumber(_ text: String) -> Double? {
        let allowed = Set("0123456789+-.eE".utf8)
        guard !text.isEmpty, text.utf8.allSatisfy(allowed.contains), text.utf8.contains(where: { $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Double(text)
    }
}

/// Why one value is not what its setting takes.
struct ValueProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
