import Configuration
import SystemPackage

/// Reads ``AgentConfiguration`` through swift-configuration: `NEXUS_INGEST_*` environment
/// variables first, then the YAML config file.
///
/// The file is, in order: the `--config` path; `NEXUS_INGEST_CONFIG`; the installed
/// `/etc/nexus-ingest/nexus-ingest.yaml` if it exists. A path given explicitly must exist.
public enum ConfigurationLoader {
    /// The config file of an installed package.
    public static let installedConfigPath = "/etc/nexus-ingest/nexus-ingest.yaml"

    /// Loads the configuration.
    /// - Parameters:
    ///   - configPath: the `--config` argument, if given.
    ///   - environment: the process environment (tests pass their own).
    public static func load(configPath: String?, environment: [String: String]) async throws -> AgentConfiguration {
        let environmentProvider = EnvironmentVariablesProvider(environmentVariables: environment)
            .prefixKeys(with: ["nexus", "ingest"])
        var providers: [any ConfigProvider] = [environmentProvider]
        let explicitPath = [configPath, environment["NEXUS_INGEST_CONFIG"]].compactMap { $0 }.first { !$0.isEmpty }
        if let explicitPath, !isReadableFile(explicitPath) {
            throw ConfigurationError(path: explicitPath, message: "the config file does not exist or is not readable")
        }
        let filePath = explicitPath ?? installedConfigPath
        do {
            providers.append(
                try await FileProvider<YAMLSnapshot>(filePath: FilePath(filePath), allowMissing: explicitPath == nil))
        } catch {
            throw ConfigurationError(path: filePath, message: "\(error)")
        }

        let reader = ConfigReader(providers: providers)
        let url = reader.string(forKey: "database.url", isSecret: true)
        return AgentConfiguration(
            databaseURL: url?.isEmpty == true ? nil : url,
            databaseSchema: reader.string(forKey: "database.schema", default: AgentConfiguration.defaultSchema),
            configFile: explicitPath ?? (isReadableFile(installedConfigPath) ? installedConfigPath : nil),
            pipeline: try pipelineSettings(reader),
            agent: try agentSettings(reader))
    }

    private static func agentSettings(_ reader: ConfigReader) throws -> AgentSettings {
        let formatText = reader.string(forKey: "log.format", default: "text")
        guard let format = AgentSettings.LogFormat(rawValue: formatText) else {
            throw ConfigurationError(path: "log.format", message: "must be text or json, not '\(formatText)'")
        }
        let metrics = reader.string(forKey: "metrics_file", default: "")
        return AgentSettings(
            dropRoot: reader.string(forKey: "drop_root", default: AgentSettings.defaultDropRoot),
            routes: try RouteTable(entries: reader.stringArray(forKey: "routes", default: RouteTable.defaultEntries)),
            settleMilliseconds: Int(reader.double(forKey: "settle_seconds", default: 2) * 1000),
            rescanIntervalMilliseconds: Int(reader.double(forKey: "rescan_interval_seconds", default: 60) * 1000),
            gracePeriodMilliseconds: Int(reader.double(forKey: "grace_period_seconds", default: 30) * 1000),
            claimLeaseSeconds: reader.int(forKey: "claim_lease_seconds", default: 600),
            autoCreateProjects: reader.bool(forKey: "auto_create_projects", default: false),
            defaultCompany: reader.string(forKey: "default_company", default: "default"),
            migrateOnStart: reader.bool(forKey: "migrate_on_start", default: true),
            logLevel: reader.string(forKey: "log.level", default: "info"),
            logFormat: format,
            metricsFile: metrics.isEmpty ? nil : metrics)
    }

    private static func pipelineSettings(_ reader: ConfigReader) throws -> PipelineSettings {
        let chunksText = reader.string(forKey: "chunks", default: "auto")
        let chunks: PipelineSettings.ChunkCount
        if chunksText == "auto" {
            chunks = .auto
        } else if let count = Int(chunksText), count > 0 {
            chunks = .fixed(count)
        } else {
            throw ConfigurationError(path: "chunks", message: "must be 'auto' or a positive number, not '\(chunksText)'")
        }
        return PipelineSettings(
            spoolDirectory: reader.string(forKey: "spool_dir", default: AgentConfiguration.defaultSpoolDirectory),
            workers: reader.int(forKey: "workers", default: Int(coreCount())),
            chunks: chunks,
            chunkTargetBytes: Int64(reader.int(forKey: "chunk_target_size", default: 64 << 20)),
            maxRejects: reader.int(forKey: "max_rejects", default: 0),
            maxRejectRatio: reader.double(forKey: "max_reject_ratio", default: 0),
            maxAttempts: reader.int(forKey: "retry.max_attempts", default: 5),
            initialBackoffMilliseconds: reader.int(forKey: "retry.initial_backoff_ms", default: 200),
            statusIntervalMilliseconds: reader.int(forKey: "status_interval_ms", default: 1000))
    }
}

/// A config file that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var message: String

    public var description: String { "config file \(path): \(message)" }
}
