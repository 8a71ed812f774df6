import ArgumentParser
import IngestAgent

/// `nexus-ingest config`: the effective configuration, each value with its source.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration: every setting, its value and where it came from.",
        discussion: """
            Like `sshd -T`: one `key value  # source` line per setting, where the source is the config \
            file and line, the NEXUS_INGEST_* environment variable, or the default. Passwords in \
            database.url are shown as ********. Exits 1, naming every problem, when the configuration \
            cannot be used.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print JSON for tools instead of text.")
    var json = false

    @Flag(
        name: .customLong("route-directories"),
        help: "Print the directories below drop_root that the routes name, one per line, parents first (for packaging).")
    var routeDirectories = false

    func run() async throws {
        let resolved = try options.resolveConfiguration()
        if routeDirectories {
            for directory in resolved.configuration.agent.routes.directories { print(directory) }
            return
        }
        print(json ? JobQueries.json(resolved.json, pretty: true) : resolved.text)
    }
}
