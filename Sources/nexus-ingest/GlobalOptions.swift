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
    /// A configuration that cannot be read ends the command with a message and exit code 1.
    func loadConfiguration() async throws -> AgentConfiguration {
        do {
            return try await ConfigurationLoader.load(configPath: config, environment: processEnvironment())
        } catch {
            printError("nexus-ingest: cannot load the configuration: \(error)")
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
