import ArgumentParser
import IngestAgent

#if canImport(Glibc)
import Glibc
#endif

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The YAML config file (default: $NEXUS_INGEST_CONFIG, else /etc/nexus-ingest/nexus-ingest.yaml if present).")
    var config: String?

    /// The configuration from `--config`, the config file and `NEXUS_INGEST_*` variables.
    /// A configuration that cannot be used ends the command with every problem, one per
    /// line, and exit code 1.
    func loadConfiguration() throws -> AgentConfiguration {
        try resolveConfiguration().configuration
    }

    /// The configuration with the source of every setting; exits like ``loadConfiguration()``.
    func resolveConfiguration() throws -> ResolvedConfiguration {
        do {
            return try ConfigurationLoader.resolve(configPath: config, environment: processEnvironment())
        } catch {
            for problem in error.problems { printError("nexus-ingest: configuration: \(problem)") }
            throw ExitCode.failure
        }
    }
}

/// The process environment as a dictionary.
func processEnvironment() -> [String: String] {
    var environment: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return environment
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var line = text
    line.append("\n")
    _ = line.withCString { write(2, $0, strlen($0)) }
}
