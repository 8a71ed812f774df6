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

    func run() async throws {
        let resolved = try options.resolveConfiguration()
        print(json ? JobQueries.json(resolved.json, pretty: true) : resolved.text)
    }
}
