import ArgumentParser
import IngestAgent
import IngestPostgres
import Logging

/// `nexus-ingest run`: the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent: watch the drop root, import every complete upload once, until SIGTERM.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let resolved = try options.resolveConfiguration()
        let configuration = resolved.configuration
        let level = Logger.Level(rawValue: configuration.agent.logLevel) ?? .info
        let format = configuration.agent.logFormat
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "nexus-ingest")

        do {
            if configuration.agent.migrateOnStart {
                let connection = try PostgresConnection(conninfo: configuration.conninfo)
                let report = try Migrator(connection: connection, schema: configuration.databaseSchema, migrations: configuration.importers.migrations).migrate()
                if !report.applied.isEmpty {
                    logger.notice("migrations applied", metadata: ["versions": "\(report.applied)"])
                }
            }
            let options = self.options
            let agent = Agent(configuration: resolved, logger: logger) {
                try ConfigurationLoader.resolve(configPath: options.config, environment: processEnvironment())
            }
            try await agent.run()
        } catch {
            logger.critical("agent stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
