import ArgumentParser
import IngestAgent
import IngestPostgres

/// `nexus-ingest migrate`: applies the embedded schema migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database schema (safe to run repeatedly and concurrently).")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        do {
            let connection = try PostgresConnection(conninfo: configuration.conninfo)
            let report = try Migrator(connection: connection, schema: configuration.databaseSchema, migrations: configuration.importers.migrations).migrate()
            if report.applied.isEmpty {
                print("schema \(configuration.databaseSchema) is up to date at version \(report.currentVersion)")
            } else {
                print("schema \(configuration.databaseSchema): applied migrations \(report.applied.map(String.init).joined(separator: ", ")); now at version \(report.currentVersion)")
            }
        } catch {
            printError("nexus-ingest migrate: \(error)")
            throw ExitCode.failure
        }
    }
}
