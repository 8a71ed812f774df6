import ArgumentParser
import IngestAgent
import IngestCore

/// `nexus-ingest jobs`: the newest jobs, one line each.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the newest import jobs.")

    @OptionGroup var options: GlobalOptions

    @Option(help: "Only jobs in this status: QUEUED, RUNNING, SUCCEEDED or FAILED.")
    var status: String?

    @Option(help: "How many jobs to show.")
    var limit = 20

    func run() async throws {
        var filter: JobStatus?
        if let status {
            guard let parsed = JobStatus(rawValue: status.uppercased()) else {
                throw ValidationError("unknown --status '\(status)'")
            }
            filter = parsed
        }
        let configuration = try options.loadConfiguration()
        let jobs = try JobQueries(configuration: configuration).jobs(status: filter, limit: max(1, limit))
        print("ID".padding(to: 8) + "TYPE".padding(to: 23) + "STATUS".padding(to: 11) + "PROG".padding(to: 6) + "CHUNKS".padding(to: 9) + "FILE")
        for job in jobs {
            let chunks = "\(job.completedChunks ?? 0)/\(job.totalChunks ?? 0)"
            print(String(job.id).padding(to: 8) + job.type.padding(to: 23) + job.status.rawValue.padding(to: 11)
                + "\(job.progress)%".padding(to: 6) + chunks.padding(to: 9) + (job.fileName ?? ""))
        }
    }
}
