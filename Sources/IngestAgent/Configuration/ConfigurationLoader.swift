public import Importers
/// Reads ``AgentConfiguration`` from `NEXUS_INGEST_*` environment variables, then the YAML
/// config file, then the defaults, checking every key and value against
/// ``ConfigurationKey/all(importers:)``.
///
/// The file is, in order: the `--config` path; `NEXUS_INGEST_CONFIG`; the installed
/// `/etc/nexus-ingest/nexus-ingest.yaml` if it exists. A path given explicitly must exist.
/// Nothing is silently replaced: a value of the wrong type or out of range, an unknown key
/// or variable, and a key given twice are errors that name their source, and every one of
/// them is reported at once.
public enum ConfigurationLoader {
    /// The config file of an installed package.
    public static let installedConfigPath = "/etc/nexus-ingest/nexus-ingest.yaml"

    /// Loads the configuration.
    /// - Parameters:
    ///   - configPath: the `--config` argument, if given.
    ///   - environment: the process environment (tests pass their own).
    /// - Throws: ``ConfigurationError`` with every problem found.
    ///   - importers: the import types routes may name.
    public static func load(
        configPath: String?, environment: [String: String], importers: ImporterRegistry = .standard
    ) throws(ConfigurationError) -> AgentConfiguration {
        try resolve(configPath: configPath, environment: environment, importers: importers).configuration
    }

    /// Loads the configuration with the source of every setting (`nexus-ingest config`).
    /// - Throws: ``ConfigurationError`` with every problem found.
    public static func resolve(
        configPath: String?, environment: [String: String], importers: ImporterRegistry = .standard
    ) throws(ConfigurationError) -> ResolvedConfiguration {
        let explicitPath = [configPath, environment["NEXUS_INGEST_CONFIG"]].compactMap { $0 }.first { !$0.isEmpty }
        let filePath = explicitPath ?? (isReadableFile(installedConfigPath) ? installedConfigPath : nil)
        var file: ConfigurationFile?
        if let filePath {
            guard isReadableFile(filePath), let bytes = try? Files.readAll(filePath) else {
                throw ConfigurationError(
                    code: .unreadableFile, source: .file(path: filePath, line: nil),
                    message: "the config file does not exist or is not readable")
            }
            file = try ConfigurationFile(path: filePath, text: String(decoding: bytes, as: UTF8.self))
        }

        let keys = ConfigurationKey.all(importers: importers)
        var problems = file?.problems ?? []
        var fromFile: [String: RawSetting] = [:]
        for (key, raw) in file?.settings ?? [] {
            if keys.contains(where: { $0.name == key }) {
                fromFile[key] = raw
            } else {
                problems.append(unknownFileKey(key, source: raw.source, keys: keys))
            }
        }
        var fromEnvironment: [String: RawSetting] = [:]
        for (variable, value) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(ConfigurationKey.environmentPrefix) && !ConfigurationKey.isReservedVariable(variable) {
            guard let key = keys.first(where: { $0.environmentVariable == variable }) else {
                problems.append(unknownVariable(variable, keys: keys))
                continue
            }
            // An empty variable means "not set", except for text, where empty is a value.
            if value.isEmpty, !key.acceptsEmptyText { continue }
            let source = ConfigurationSource.environment(variable: variable)
            fromEnvironment[key.name] = RawSetting(shape: .scalar(.init(text: value, source: source)), source: source)
        }

        // The environment wins, but a bad value in the file is reported all the same: it
        // would take effect the day the variable is gone.
        var settings: [ResolvedConfiguration.Setting] = []
        for key in keys {
            var effective = ResolvedConfiguration.Setting(key: key, value: key.defaultValue, source: .defaultValue)
            for raw in [fromFile[key.name], fromEnvironment[key.name]].compactMap({ $0 }) {
                switch key.parse(raw) {
                case .success(let value): effective = .init(key: key, value: value, source: raw.source)
                case .failure(let error): problems += error.problems
                }
            }
            settings.append(effective)
        }
        guard problems.isEmpty else { throw ConfigurationError(problems.sorted { $0.order < $1.order }) }
        return ResolvedConfiguration(configFile: filePath, settings: settings)
    }

    private static func unknownFileKey(_ key: String, source: ConfigurationSource, keys: [ConfigurationKey]) -> ConfigurationError.Problem {
        let section = keys.filter { $0.name.hasPrefix(key + ".") }.map(\.name)
        if !section.isEmpty {
            return .init(
                code: .invalidValue, source: source, key: key,
                message: "is a section; expected a mapping with \(section.joined(separator: ", "))")
        }
        let suggestion = NearestName.find(key, among: keys.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
        return .init(code: .unknownKey, source: source, key: key, message: "unknown key\(suggestion)")
    }

    private static func unknownVariable(_ variable: String, keys: [ConfigurationKey]) -> ConfigurationError.Problem {
        let suggestion = NearestName.find(variable, among: keys.map(\.environmentVariable)).map { "; did you mean \($0)?" } ?? ""
        return .init(
            code: .unknownKey, source: .environment(variable: variable), key: nil,
            message: "no setting has this variable\(suggestion)")
    }
}

extension ConfigurationError.Problem {
    /// File problems by line, then variables by name.
    fileprivate var order: (Int, Int, String) {
        switch source {
        case .file(_, let line): (0, line ?? 0, "")
        case .environment(let variable): (1, 0, variable)
        case .defaultValue, nil: (2, 0, key ?? "")
        }
    }
}

extension ConfigurationKey {
    fileprivate var acceptsEmptyText: Bool {
        if case .text = kind { return true }
        return false
    }
}
