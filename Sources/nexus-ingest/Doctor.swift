import ArgumentParser
import IngestAgent

/// `nexus-ingest doctor`: checks configuration and database, one line per check.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and the database; exit non-zero if anything is wrong.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let checks: [IngestAgent.Doctor.Check]
        do {
            let configuration = try ConfigurationLoader.load(configPath: options.config, environment: processEnvironment())
            checks = IngestAgent.Doctor(configuration: configuration).run()
        } catch {
            // Nothing else can be checked against a configuration the agent would refuse.
            checks = error.problems.map { .init(name: "configuration", outcome: .failed, detail: "\($0)") }
        }
        for check in checks {
            let label = check.outcome.rawValue.padding(toLength: 8)
            print("\(label) \(check.name): \(check.detail)")
        }
        if checks.contains(where: { $0.outcome == .failed }) { throw ExitCode.failure }
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
