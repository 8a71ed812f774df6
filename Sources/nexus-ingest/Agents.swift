import ArgumentParser
import IngestAgent
import IngestCore

/// `nexus-ingest agents`: the live agents on every host, from the database.
struct Agents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the live agents (and import/retry processes) on every host, with what each holds.",
        discussion: """
            A process is live while PostgreSQL holds its session lock: one that crashed, was \
            killed or whose host lost the network disappears from this list within the TCP \
            keepalive bound (about 11 s), and the others take over its chunks and jobs.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print JSON (one array of objects) instead of a table.")
    var json = false

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let agents = try JobQueries(configuration: configuration).agents()
        if json {
            let objects: [JSONValue] = agents.map { agent in
                .object([
                    "id": .int(agent.id), "host": .string(agent.host), "pid": .int(Int64(agent.pid)), "kind": .string(agent.kind),
                    "version": .string(agent.version), "startedAt": .string(agent.startedAt),
                    "chunksHeld": .int(Int64(agent.chunksHeld)), "jobsOwned": .int(Int64(agent.jobsOwned)),
                ])
            }
            print(JobQueries.json(.array(objects), pretty: true))
            return
        }
        print("ID".padding(to: 7) + "HOST".padding(to: 20) + "PID".padding(to: 9) + "KIND".padding(to: 8) + "VERSION".padding(to: 10)
            + "STARTED".padding(to: 26) + "CHUNKS".padding(to: 8) + "JOBS")
        for agent in agents {
            print(String(agent.id).padding(to: 7) + agent.host.padding(to: 20) + String(agent.pid).padding(to: 9)
                + agent.kind.padding(to: 8) + agent.version.padding(to: 10) + agent.startedAt.padding(to: 26)
                + String(agent.chunksHeld).padding(to: 8) + String(agent.jobsOwned))
        }
    }
}
