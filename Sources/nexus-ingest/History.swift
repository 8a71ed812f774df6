import ArgumentParser
import Importers
import IngestAgent
import IngestCore

/// The import type and target that `history` and `rollback` are about.
struct PublishTarget: ParsableArguments {
    @Argument(help: "golden-petl, golden-components, xact-raw or xact-components.")
    var type: String

    @Option(help: "XACT types: the project code.")
    var project: String?

    /// The type and its options, checked.
    func resolve() throws -> (ImportType, ImportOptions) {
        (try checkedImportType(type, project: project, label: "type"), ImportOptions(project: project))
    }
}

/// `nexus-ingest history TYPE [--project P]`: what was published, and which is current.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what an import type published (newest first) and which one is current.",
        discussion: """
            golden-petl: the Golden revisions; golden-components: the component sets of the active \
            Golden list; xact-raw --project P: the project's completed estimate versions \
            (withdrawn ones were taken back by a rollback); xact-components --project P: the \
            component sets of the project's current estimate version. `gc` keeps the last \
            `keep_published` component sets so that a rollback has something to go back to.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: PublishTarget

    @Flag(help: "JSON instead of a table.")
    var json = false

    func run() async throws {
        let (type, importOptions) = try target.resolve()
        let versions: [PublishedVersion]
        do {
            versions = try PublishHistory(configuration: try options.loadConfiguration()).list(type: type, options: importOptions)
        } catch {
            printError("nexus-ingest history: \(error)")
            throw ExitCode.failure
        }
        if json {
            print(JobQueries.json(.array(versions.map(\.json)), pretty: true))
            return
        }
        if versions.isEmpty { print("nothing published") }
        for version in versions {
            let mark = version.isCurrent ? "current  " : version.isWithdrawn ? "withdrawn" : "         "
            let job = version.job.map { "job \($0)" } ?? "no job"
            print("\(mark) \(version.label)  \(job)  \(version.rows) rows  \(version.publishedAt ?? "-")  \(version.file ?? "-")  \(version.sha256 ?? "-")")
        }
    }
}

/// `nexus-ingest rollback TYPE [--project P] [--to JOB]`.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the previous (or a named) published version current again, in one transaction.",
        discussion: """
            Without --to, the version before the current one in `nexus-ingest history` becomes \
            current (a second rollback goes one further back). The rollback is recorded as a job \
            of its own. Rolling back an estimate does not undo the cost-book and Golden price \
            syncs its import made. Exit 0 when it was done.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var target: PublishTarget

    @Option(help: "The job whose published version becomes current.")
    var to: Int64?

    func run() async throws {
        let (type, importOptions) = try target.resolve()
        do {
            let rollback = try PublishHistory(configuration: try options.loadConfiguration()).rollback(
                type: type, options: importOptions, to: to, createdBy: "cli:\(currentUser())")
            print("job \(rollback.job.id) \(rollback.job.status.rawValue): \(rollback.job.message ?? "")")
        } catch {
            printError("nexus-ingest rollback: \(error)")
            throw ExitCode.failure
        }
    }
}
