import Importers
import IngestAgent
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to a new temporary file and returns its path.
func temporaryConfigFile(_ text: String) -> String {
    var template = Array("/tmp/nexus-ingest-config.XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    _ = text.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

@Suite("Configuration loading")
struct ConfigurationLoaderTests {
    @Test func readsTheYAMLFile() throws {
        let path = temporaryConfigFile("database:\n  url: postgres://file@db/nexus\n  schema: ingest\n")
        defer { unlink(path) }
        let configuration = try ConfigurationLoader.load(configPath: path, environment: [:])
        #expect(configuration.databaseURL == "postgres://file@db/nexus")
        #expect(configuration.databaseSchema == "ingest")
        #expect(configuration.configFile == path)
    }

    @Test func environmentOverridesTheFile() throws {
        let path = temporaryConfigFile("database:\n  url: postgres://file@db/nexus\n")
        defer { unlink(path) }
        let configuration = try ConfigurationLoader.load(
            configPath: nil,
            environment: ["NEXUS_INGEST_CONFIG": path, "NEXUS_INGEST_DATABASE_URL": "host=/run/postgresql dbname=x"])
        #expect(configuration.databaseURL == "host=/run/postgresql dbname=x")
        #expect(configuration.databaseSchema == AgentConfiguration.defaultSchema)
        #expect(configuration.configFile == path)
    }

    @Test func defaultsWithoutAnyFile() throws {
        let configuration = try ConfigurationLoader.load(configPath: nil, environment: [:])
        #expect(configuration.databaseSchema == "nexus")
        #expect(configuration.conninfo == (configuration.databaseURL ?? ""))
    }

    @Test func theShippedDefaultConfigParses() throws {
        let path = String(#filePath.split(separator: "/Tests/").first!) + "/Config/nexus-ingest.yaml"
        let configuration = try ConfigurationLoader.load(configPath: "/" + path.drop(while: { $0 == "/" }), environment: [:])
        #expect(configuration.databaseSchema == "nexus")
        #expect(configuration.databaseURL == nil)
        #expect(configuration.agent.routes == (try RouteTable(entries: ImporterRegistry.standard.defaultRoutes)))
        #expect(configuration.agent.dropRoot == "/srv/nexus-ingest/uploads/pricing")
        #expect(configuration.agent.settleMilliseconds == 2000)
        #expect(configuration.agent.logFormat == .text)
        #expect(configuration.agent.metricsFile == nil)
        #expect(configuration.pipeline.maxAttempts == 5)
    }

    @Test func routesFromTheEnvironment() throws {
        let configuration = try ConfigurationLoader.load(
            configPath: nil, environment: ["NEXUS_INGEST_ROUTES": "in/*=xact-raw,petl=golden-petl:replace"])
        let routes = configuration.agent.routes
        #expect(routes.match(directory: ["in", "P1"]) == RouteTable.Match(type: .xactRaw, options: ImportOptions(project: "P1")))
        #expect(routes.match(directory: ["petl"])?.options.mode == .replace)
        #expect(routes.match(directory: ["golden-components"]) == nil)
    }

    @Test func everyKindOfValueIsRead() throws {
        let path = temporaryConfigFile("""
            workers: 3
            chunks: 7
            max_reject_ratio: 0.25
            settle_seconds: 0.5
            auto_create_projects: yes
            log:
              level: DEBUG
              format: json
            routes:
              - a=golden-components
            """)
        defer { unlink(path) }
        let configuration = try ConfigurationLoader.load(configPath: path, environment: ["NEXUS_INGEST_MIGRATE_ON_START": "false"])
        #expect(configuration.pipeline.workers == 3)
        #expect(configuration.pipeline.chunks == .fixed(7))
        #expect(configuration.pipeline.maxRejectRatio == 0.25)
        #expect(configuration.agent.settleMilliseconds == 500)
        #expect(configuration.agent.autoCreateProjects)
        #expect(!configuration.agent.migrateOnStart)
        #expect(configuration.agent.logLevel == "debug")
        #expect(configuration.agent.logFormat == .json)
        #expect(configuration.agent.routes.routes.map(\.pattern) == [["a"]])
    }

    @Test func aNullValueMeansNotSet() throws {
        let path = temporaryConfigFile("workers:\nmetrics_file: ~\n")
        defer { unlink(path) }
        let resolved = try ConfigurationLoader.resolve(configPath: path, environment: [:])
        #expect(resolved["workers"]?.source == .defaultValue)
        #expect(resolved["metrics_file"]?.source == .defaultValue)
    }
}

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    /// The problems `text` (as the config file) and `environment` give.
    func problems(file text: String? = nil, environment: [String: String] = [:]) throws -> [ConfigurationError.Problem] {
        let path = text.map(temporaryConfigFile)
        defer { if let path { unlink(path) } }
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configPath: path, environment: environment)
        }
        return error.problems.map { problem in
            var problem = problem
            if case .file(_, let line) = problem.source { problem.source = .file(path: "F", line: line) }
            return problem
        }
    }

    @Test func anEmptyConfigVariableMeansNoFile() throws {
        let configuration = try ConfigurationLoader.load(configPath: nil, environment: ["NEXUS_INGEST_CONFIG": ""])
        #expect(configuration.databaseSchema == "nexus")
    }

    @Test func aMissingFileIsNamed() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configPath: "/nonexistent/n.yaml", environment: [:])
        }
        #expect(error.description == "config file /nonexistent/n.yaml: the config file does not exist or is not readable")
        #expect(error.problems.map(\.code) == [.unreadableFile])
    }

    @Test func malformedYAMLIsNamedWithItsLine() throws {
        let found = try problems(file: "workers: 2\ndatabase: [unclosed\n")
        #expect(found.count == 1)
        #expect(found[0].code == .syntax)
        #expect(found[0].source == .file(path: "F", line: 3))
        #expect(found[0].description.contains("not valid YAML"))
    }

    @Test func wrongTypesInTheFileAreNamed() throws {
        let found = try problems(file: """
            workers: many
            settle_seconds: soon
            max_reject_ratio: high
            max_rejects: 5O
            auto_create_projects: sometimes
            log:
              format: xml
            chunks: lots
            """)
        #expect(found.map(\.description) == [
            "config file F, line 1: workers: 'many' is not a whole number; expected a whole number ≥ 1",
            "config file F, line 2: settle_seconds: 'soon' is not a number; expected a number ≥ 0",
            "config file F, line 3: max_reject_ratio: 'high' is not a number; expected a number from 0 to 1",
            "config file F, line 4: max_rejects: '5O' is not a whole number; expected a whole number ≥ 0",
            "config file F, line 5: auto_create_projects: 'sometimes' is not true or false",
            "config file F, line 7: log.format: 'xml' is not one of text, json",
            "config file F, line 8: chunks: 'lots' is not 'auto' or a whole number ≥ 1",
        ])
        #expect(found.allSatisfy { $0.code == .invalidValue })
    }

    @Test func valuesOutOfRangeAreNamed() throws {
        let found = try problems(file: """
            workers: 0
            max_reject_ratio: 1.5
            grace_period_seconds: -1
            status_interval_ms: 10
            retry:
              max_attempts: 2.5
            settle_seconds: 0x10
            rescan_interval_seconds: nan
            default_company: ""
            """)
        #expect(found.map(\.description) == [
            "config file F, line 1: workers: '0' is out of range; expected a whole number ≥ 1",
            "config file F, line 2: max_reject_ratio: '1.5' is out of range; expected a number from 0 to 1",
            "config file F, line 3: grace_period_seconds: '-1' is out of range; expected a number ≥ 0",
            "config file F, line 4: status_interval_ms: '10' is out of range; expected a whole number ≥ 50",
            "config file F, line 6: retry.max_attempts: '2.5' is not a whole number; expected a whole number ≥ 1",
            "config file F, line 7: settle_seconds: '0x10' is not a number; expected a number ≥ 0",
            "config file F, line 8: rescan_interval_seconds: 'nan' is not a number; expected a number ≥ 1",
            "config file F, line 9: default_company: the value is empty; expected non-empty text",
        ])
    }

    @Test func unknownKeysSuggestTheNearestOne() throws {
        let found = try problems(file: """
            max_reject: 5
            settle_secnds: 3
            database:
              urll: x
            url: y
            retry: 3
            completely_unrelated_key: 1
            """)
        #expect(found.map(\.description) == [
            "config file F, line 1: max_reject: unknown key; did you mean 'max_rejects'?",
            "config file F, line 2: settle_secnds: unknown key; did you mean 'settle_seconds'?",
            "config file F, line 4: database.urll: unknown key; did you mean 'database.url'?",
            "config file F, line 5: url: unknown key; did you mean 'database.url'?",
            "config file F, line 6: retry: is a section; expected a mapping with retry.max_attempts, retry.initial_backoff_ms",
            "config file F, line 7: completely_unrelated_key: unknown key",
        ])
        #expect(found.map(\.code) == [.unknownKey, .unknownKey, .unknownKey, .unknownKey, .invalidValue, .unknownKey])
    }

    @Test func aKeyGivenTwiceIsNamed() throws {
        let found = try problems(file: "workers: 2\nchunks: auto\nworkers: 3\n")
        #expect(found.map(\.code) == [.duplicateKey])
        #expect(found.first?.key == "workers")
    }

    @Test func badRoutesAreNamedByEntryAndLine() throws {
        let found = try problems(file: "routes:\n  - golden-petl=golden-petl\n  - x=nope\n  - y=golden-petl:sideways\n")
        #expect(found.map(\.source) == [.file(path: "F", line: 3), .file(path: "F", line: 4)])
        #expect(found[1].description.contains("unknown mode 'sideways'"))
    }

    @Test func badValuesFromTheEnvironmentNameTheVariable() throws {
        let found = try problems(environment: [
            "NEXUS_INGEST_WORKERS": "abc", "NEXUS_INGEST_MAX_REJECT_RATIO": "2", "NEXUS_INGEST_LOG_LEVEL": "loud",
            "NEXUS_INGEST_AUTO_CREATE_PROJECTS": "maybe",
        ])
        #expect(found.map(\.description) == [
            "environment variable NEXUS_INGEST_AUTO_CREATE_PROJECTS: auto_create_projects: 'maybe' is not true or false",
            "environment variable NEXUS_INGEST_LOG_LEVEL: log.level: 'loud' is not one of trace, debug, info, notice, warning, error, critical",
            "environment variable NEXUS_INGEST_MAX_REJECT_RATIO: max_reject_ratio: '2' is out of range; expected a number from 0 to 1",
            "environment variable NEXUS_INGEST_WORKERS: workers: 'abc' is not a whole number; expected a whole number ≥ 1",
        ])
    }

    @Test func unknownVariablesSuggestTheNearestOne() throws {
        let found = try problems(environment: ["NEXUS_INGEST_WORKER": "2", "NEXUS_INGEST_TEST_ANYTHING": "x"])
        #expect(found.map(\.description) == [
            "environment variable NEXUS_INGEST_WORKER: no setting has this variable; did you mean NEXUS_INGEST_WORKERS?"
        ])
    }

    @Test func fileAndEnvironmentProblemsAreReportedTogether() throws {
        let found = try problems(file: "workers: many\n", environment: ["NEXUS_INGEST_SETTLE_SECONDS": "soon"])
        #expect(found.map(\.key) == ["workers", "settle_seconds"])
    }

    @Test func aPasswordIsNeverInAnError() throws {
        let found = try problems(file: "database:\n  url: [postgresql://u:secret@h/db]\n")
        #expect(!found.description.contains("secret"))
    }
}

@Suite("Effective configuration")
struct ResolvedConfigurationTests {
    @Test func eachValueNamesItsSource() throws {
        let path = temporaryConfigFile("database:\n  schema: ingest\nworkers: 3\n")
        defer { unlink(path) }
        let resolved = try ConfigurationLoader.resolve(configPath: path, environment: ["NEXUS_INGEST_WORKERS": "4"])
        #expect(resolved["database.schema"]?.source == .file(path: path, line: 2))
        #expect(resolved["workers"]?.source == .environment(variable: "NEXUS_INGEST_WORKERS"))
        #expect(resolved["workers"]?.value == .integer(4))
        #expect(resolved["settle_seconds"]?.source == .defaultValue)
        #expect(resolved.text.contains("workers                   4  # environment variable NEXUS_INGEST_WORKERS"))
        #expect(resolved.settings.count == ConfigurationKey.all().count)
    }

    @Test func passwordsAreRedacted() {
        let cases = [
            ("postgresql://nexus:s3cret@db.example.com/nexus?sslmode=verify-full",
             "postgresql://nexus:********@db.example.com/nexus?sslmode=verify-full"),
            ("postgres://nexus@db/nexus?password=s3cret&sslmode=require", "postgres://nexus@db/nexus?password=********&sslmode=require"),
            ("postgresql://nexus@db/nexus", "postgresql://nexus@db/nexus"),
            ("host=db password=s3cret dbname=nexus", "host=db password=******** dbname=nexus"),
            ("host=db password = 's3 \\' cret' dbname=nexus", "host=db password = ******** dbname=nexus"),
            ("host=db dbname=nexus", "host=db dbname=nexus"),
        ]
        for (conninfo, shown) in cases {
            #expect(SecretRedaction.conninfo(conninfo) == shown)
        }
    }

    @Test func restartOnlyChangesAreNamed() throws {
        let old = try ConfigurationLoader.resolve(configPath: nil, environment: ["NEXUS_INGEST_WORKERS": "2"])
        let new = try ConfigurationLoader.resolve(configPath: nil, environment: [
            "NEXUS_INGEST_WORKERS": "3", "NEXUS_INGEST_MAX_REJECTS": "5", "NEXUS_INGEST_SPOOL_DIR": "/elsewhere",
        ])
        #expect(old.restartOnlyChanges(to: new) == ["spool_dir", "workers"])
    }
}
