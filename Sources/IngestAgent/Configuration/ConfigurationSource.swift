/// Where a setting's value came from: the config file (with its line), a `NEXUS_INGEST_*`
/// environment variable, or the built-in default.
public enum ConfigurationSource: Sendable, Equatable, CustomStringConvertible {
    /// The YAML config file; `line` from 1 where the parser knows it.
    case file(path: String, line: Int?)
    /// An environment variable.
    case environment(variable: String)
    /// No source set it: the built-in default.
    case defaultValue

    /// For people: `config file /etc/x.yaml, line 3`, `environment variable NEXUS_INGEST_WORKERS`, `default`.
    public var description: String {
        switch self {
        case .file(let path, let line?): "config file \(path), line \(line)"
        case .file(let path, nil): "config file \(path)"
        case .environment(let variable): "environment variable \(variable)"
        case .defaultValue: "default"
        }
    }

    /// A short word for tools: `file`, `environment` or `default`.
    public var kind: String {
        switch self {
        case .file: "file"
        case .environment: "environment"
        case .defaultValue: "default"
        }
    }
}
