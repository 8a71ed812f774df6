import Importers
import IngestAgent
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Configuration loading")
struct ConfigurationLoaderTests {
    /// Writes `text` to a new temporary file and returns its path.
    func temporaryFile(_ text: String) -> String {
        var template = Array("/tmp/nexus-ingest-config.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    @Test func readsTheYAMLFile() async throws {
        let path = temporaryFile("database:\n  url: postgres://file@db/nexus\n  schema: ingest\n")
        defer { unlink(path) }
        let configuration = try await ConfigurationLoader.load(configPath: path, environment: [:])
        #expect(configuration.databaseURL == "postgres://file@db/nexus")
        #expect(configuration.databaseSchema == "ingest")
        #expect(configuration.configFile == path)
    }

    @Test func environmentOverridesTheFile() async throws {
        let path = temporaryFile("database:\n  url: postgres://file@db/nexus\n")
        defer { unlink(path) }
        let configuration = try await ConfigurationLoader.load(
            configPath: nil,
            environment: ["NEXUS_INGEST_CONFIG": path, "NEXUS_INGEST_DATABASE_URL": "host=/run/postgresql dbname=x"])
        #expect(configuration.databaseURL == "host=/run/postgresql dbname=x")
        #expect(configuration.databaseSchema == AgentConfiguration.defaultSchema)
        #expect(configuration.configFile == path)
    }

    @Test func defaultsWithoutAnyFile() async throws {
        let configuration = try await ConfigurationLoader.load(configPath: nil, environment: [:])
        #expect(configuration.databaseSchema == "nexus")
        #expect(configuration.conninfo == (configuration.databaseURL ?? ""))
    }

    @Test func theShippedDefaultConfigParses() async throws {
        let path = String(#filePath.split(separator: "/Tests/").first!) + "/Config/nexus-ingest.yaml"
        let configuration = try await ConfigurationLoader.load(configPath: "/" + path.drop(while: { $0 == "/" }), environment: [:])
        #expect(configuration.databaseSchema == "nexus")
        #expect(configuration.databaseURL == nil)
        #expect(configuration.agent.routes == (try RouteTable(entries: RouteTable.defaultEntries)))
        #expect(configuration.agent.dropRoot == "/srv/nexus-ingest/uploads/pricing")
        #expect(configuration.agent.settleMilliseconds == 2000)
        #expect(configuration.agent.logFormat == .text)
        #expect(configuration.agent.metricsFile == nil)
        #expect(configuration.pipeline.maxAttempts == 5)
    }

    @Test func routesFromTheEnvironment() async throws {
        let configuration = try await ConfigurationLoader.load(
            configPath: nil, environment: ["NEXUS_INGEST_ROUTES": "in/*=xact-raw,petl=golden-petl:replace"])
        let routes = configuration.agent.routes
        #expect(routes.match(directory: ["in", "P1"]) == RouteTable.Match(type: .xactRaw, options: ImportOptions(project: "P1")))
        #expect(routes.match(directory: ["petl"])?.options.mode == .replace)
        #expect(routes.match(directory: ["golden-components"]) == nil)
    }
}

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    @Test func anEmptyConfigVariableMeansNoFile() async throws {
        let configuration = try await ConfigurationLoader.load(configPath: nil, environment: ["NEXUS_INGEST_CONFIG": ""])
        #expect(configuration.databaseSchema == "nexus")
    }

    @Test func aMissingFileIsNamed() async throws {
        let error = try await #require(throws: ConfigurationError.self) {
            try await ConfigurationLoader.load(configPath: "/nonexistent/n.yaml", environment: [:])
        }
        #expect(error.description == "config file /nonexistent/n.yaml: the config file does not exist or is not readable")
    }

    @Test func malformedYAMLIsNamed() async throws {
        var template = Array("/tmp/nexus-ingest-config.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        _ = "database: [unclosed\n".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        let error = try await #require(throws: ConfigurationError.self) {
            try await ConfigurationLoader.load(configPath: path, environment: [:])
        }
        #expect(error.path == path)
    }
}
