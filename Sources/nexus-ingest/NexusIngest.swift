import ArgumentParser
import IngestAgent

/// The `nexus-ingest` command: one subcommand per file in this folder.
@main
struct NexusIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexus-ingest",
        abstract: "Loads pricing and estimate CSV files into PostgreSQL, in parallel and exactly once.",
        version: ProductVersion.current,
        subcommands: [Run.self, Import.self, Status.self, Jobs.self, Agents.self, Retry.self, Publish.self, Discard.self, History.self, Rollback.self, GC.self, Migrate.self, Doctor.self, Config.self]
    )
}
