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
        help: "Print drop_root and the directories below it that the routes name, one absolute path per line, parents first (for packaging).")
    var routeDirectories = false

    func run() async throws {
        let resolved = try options.resolveConfiguration()
        if routeDirectories {
            let agent = resolved.configuration.agent
            print(agent.dropRoot)
            for directory in agent.routes.directories { print(agent.dropRoot + "/" + directory) }
            return
        }
        print(json ? JobQueries.json(resolved.json, pretty: true) : resolved.text)
    }
}
