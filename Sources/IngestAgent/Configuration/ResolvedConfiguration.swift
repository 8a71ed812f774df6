public import Importers
public import IngestCore

/// The effective configuration with the source of every setting, as ``ConfigurationLoader``
/// found it: what `nexus-ingest config` prints and what a reload compares.
public struct ResolvedConfiguration: Sendable {
    /// One setting's effective value.
    public struct Setting: Sendable {
        /// The setting.
        public var key: ConfigurationKey
        /// Its checked value.
        public var value: SettingValue
        /// Where the value came from.
        public var source: ConfigurationSource

        /// The value as it may be shown: secrets redacted.
        public var shownValue: SettingValue {
            guard key.secret, case .text(let text) = value else { return value }
            return .text(SecretRedaction.conninfo(text))
        }
    }

    /// The config file read, if any.
    public var configFile: String?
    /// Every setting of ``ConfigurationKey/all(importers:)``, in its order.
    public var settings: [Setting]

    /// The importers whose types the routes name.
    public var importers: ImporterRegistry {
        guard case .routes(let importers)? = self["routes"]?.key.kind else { return .standard }
        return importers
    }

    /// The setting named `name`.
    public subscript(name: String) -> Setting? { settings.first { $0.key.name == name } }

    /// The configuration these settings make.
    public var configuration: AgentConfiguration {
        let url = text("database.url")
        let metrics = text("metrics_file")
        let chunks: PipelineSettings.ChunkCount = if case .integer(let count) = value("chunks") { .fixed(count) } else { .auto }
        // Every entry was checked when it was loaded.
        let routes = try! RouteTable(entries: list("routes"), importers: importers)
        return AgentConfiguration(
            databaseURL: url.isEmpty ? nil : url,
            databaseSchema: text("database.schema"),
            configFile: configFile,
            importers: importers,
            pipeline: PipelineSettings(
                spoolDirectory: text("spool_dir"),
                workers: integer("workers"),
                chunks: chunks,
                chunkTargetBytes: Int64(integer("chunk_target_size")),
                maxRejects: integer("max_rejects"),
                maxRejectRatio: number("max_reject_ratio"),
                maxAttempts: integer("retry.max_attempts"),
                initialBackoffMilliseconds: integer("retry.initial_backoff_ms"),
                statusIntervalMilliseconds: integer("status_interval_ms")),
            agent: AgentSettings(
                dropRoot: text("drop_root"),
                routes: routes,
                settleMilliseconds: milliseconds("settle_seconds"),
                rescanIntervalMilliseconds: milliseconds("rescan_interval_seconds"),
                gracePeriodMilliseconds: milliseconds("grace_period_seconds"),
                claimLeaseSeconds: integer("claim_lease_seconds"),
                autoCreateProjects: flag("auto_create_projects"),
                defaultCompany: text("default_company"),
                migrateOnStart: flag("migrate_on_start"),
                logLevel: text("log.level"),
                logFormat: AgentSettings.LogFormat(rawValue: text("log.format")) ?? .text,
                metricsFile: metrics.isEmpty ? nil : metrics, keepPublished: integer("keep_published")))
    }

    /// The settings that need a restart and differ between `self` (running) and `new`.
    public func restartOnlyChanges(to new: ResolvedConfiguration) -> [String] {
        settings.compactMap { setting in
            guard !setting.key.reloadable, new[setting.key.name]?.value != setting.value else { return nil }
            return setting.key.name
        }
    }

    /// `sshd -T`-style text: one `key value` line per setting, with its source.
    public var text: String {
        let width = settings.map(\.key.name.count).max() ?? 0
        var lines = ["# effective configuration; config file: \(configFile ?? "none")"]
        for setting in settings {
            let name = setting.key.name.padding(toLength: width + 2)
            lines.append("\(name)\(setting.shownValue)  # \(setting.source)")
        }
        return lines.joined(separator: "\n")
    }

    /// For tools: `{"configFile": …, "settings": {"workers": {"value": 2, "source": "default", …}}}`.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        for setting in settings {
            var entry: [String: JSONValue] = [
                "value": setting.shownValue.json, "source": .string(setting.source.kind),
                "reloadable": .bool(setting.key.reloadable), "environmentVariable": .string(setting.key.environmentVariable),
            ]
            switch setting.source {
            case .file(let path, let line):
                entry["file"] = .string(path)
                entry["line"] = line.map { .int(Int64($0)) } ?? .null
            case .environment(let variable):
                entry["variable"] = .string(variable)
            case .defaultValue:
                break
            }
            members[setting.key.name] = .object(entry)
        }
        return .object(["configFile": configFile.map(JSONValue.string) ?? .null, "settings": .object(members)])
    }

    private func value(_ name: String) -> SettingValue { self[name]?.value ?? .text("") }

    private func text(_ name: String) -> String {
        if case .text(let text) = value(name) { return text }
        return ""
    }

    private func integer(_ name: String) -> Int {
        if case .integer(let value) = value(name) { return value }
        return 0
    }

    private func number(_ name: String) -> Double {
        if case .number(let value) = value(name) { return value }
        return 0
    }

    private func milliseconds(_ name: String) -> Int { Int((number(name) * 1000).rounded()) }

    private func flag(_ name: String) -> Bool {
        if case .flag(let value) = value(name) { return value }
        return false
    }

    private func list(_ name: String) -> [String] {
        if case .list(let entries) = value(name) { return entries }
        return []
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
