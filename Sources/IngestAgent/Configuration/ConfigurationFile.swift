import Yams

/// The YAML config file as settings with line numbers.
///
/// Read with Yams' node API rather than swift-configuration's YAML provider: the provider's
/// readers return the default for a value they cannot convert (`workers: many` ran with the
/// core count) and know neither unknown keys nor lines, which an operator's error needs.
/// Nested mappings become dotted keys (`database:` / `url:` is `database.url`).
struct ConfigurationFile {
    /// The file's path.
    let path: String
    /// Every key written, dotted, with its value (nulls left out: they mean "not set").
    private(set) var settings: [(key: String, raw: RawSetting)] = []
    /// Values that are neither scalars nor lists of scalars.
    private(set) var problems: [ConfigurationError.Problem] = []

    /// Parses `text`, the content of the file at `path`.
    /// - Throws: ``ConfigurationError`` (`syntax`) when it is not YAML or not a mapping.
    init(path: String, text: String) throws(ConfigurationError) {
        self.path = path
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, path: path)
        } catch {
            throw ConfigurationError(code: .syntax, source: .file(path: path, line: nil), message: "\(error)")
        }
        guard let root else { return }  // empty, or comments only
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError(
                code: .syntax, source: source(root), message: "the file must be a mapping of keys to values (key: value)")
        }
        collect(mapping, prefix: "")
    }

    private func source(_ node: Node) -> ConfigurationSource { .file(path: path, line: node.mark?.line) }

    private mutating func collect(_ mapping: Node.Mapping, prefix: String) {
        for (keyNode, value) in mapping {
            let key = prefix + (keyNode.string ?? "\(keyNode)")
            switch value {
            case .mapping(let nested):
                collect(nested, prefix: key + ".")
            case .scalar(let scalar):
                if value.null != nil && scalar.style == .plain { continue }
                let entry = RawSetting.Entry(text: scalar.string, source: source(value))
                settings.append((key, RawSetting(shape: .scalar(entry), source: source(keyNode))))
            case .sequence(let sequence):
                var entries: [RawSetting.Entry] = []
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        problems.append(.init(code: .invalidValue, source: source(item), key: key, message: "list entries must be single values"))
                        continue
                    }
                    entries.append(RawSetting.Entry(text: scalar.string, source: source(item)))
                }
                settings.append((key, RawSetting(shape: .list(entries), source: source(keyNode))))
            case .alias:
                problems.append(.init(code: .invalidValue, source: source(value), key: key, message: "YAML aliases are not supported here"))
            }
        }
    }

    private static func syntaxError(_ error: YamlError, path: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = (context.map { "\($0.text) " } ?? "") + problem
            return ConfigurationError(
                code: .syntax, source: .file(path: path, line: mark.line), message: "not valid YAML (column \(mark.column)): \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the mapping that holds them; each key is reported once.
            return ConfigurationError(duplicates.sorted().map { key in
                .init(
                    code: .duplicateKey, source: .file(path: path, line: context.mark.line), key: key,
                    message: "set more than once in the mapping that starts here; keep one")
            })
        default:
            return ConfigurationError(code: .syntax, source: .file(path: path, line: nil), message: "not valid YAML: \(error)")
        }
    }
}
