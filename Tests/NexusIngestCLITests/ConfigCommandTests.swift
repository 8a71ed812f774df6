import Foundation
import Testing

/// `nexus-ingest config`, `doctor` and `run` on configurations an operator got wrong. No
/// database is needed: a bad configuration stops every command before it connects.
@Suite("nexus-ingest config and bad configurations")
struct ConfigCommandTests {
    /// A config file of its own, and an environment that names no other file.
    func withConfig(_ text: String, _ body: (_ path: String, _ environment: [String: String]) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nexus-ingest.yaml").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        try body(path, ["NEXUS_INGEST_CONFIG": path])
    }

    @Test(arguments: [
        ("workers: many\n", "line 1: workers: 'many' is not a whole number; expected a whole number ≥ 1"),
        ("settle_seconds: soon\n", "line 1: settle_seconds: 'soon' is not a number; expected a number ≥ 0"),
        ("max_reject_ratio: high\n", "line 1: max_reject_ratio: 'high' is not a number; expected a number from 0 to 1"),
        ("# limits\nmax_rejects: 5O\n", "line 2: max_rejects: '5O' is not a whole number; expected a whole number ≥ 0"),
        ("log:\n  format: xml\n", "line 2: log.format: 'xml' is not one of text, json"),
        ("max_reject: 5\n", "line 1: max_reject: unknown key; did you mean 'max_rejects'?"),
        ("settle_secnds: 3\n", "line 1: settle_secnds: unknown key; did you mean 'settle_seconds'?"),
        ("chunks: lots\n", "line 1: chunks: 'lots' is not 'auto' or a whole number ≥ 1"),
    ])
    func badFileValuesFailDoctorAndRun(text: String, expected: String) throws {
        try withConfig(text) { path, environment in
            let doctor = try runNexusIngest(["doctor"], environment: environment)
            #expect(doctor.status != 0)
            #expect(doctor.output.contains("failed   configuration: config file \(path), \(expected)"))
            let run = try runNexusIngest(["run"], environment: environment)
            #expect(run.status != 0)
            #expect(run.output.contains("nexus-ingest: configuration: config file \(path), \(expected)"))
            #expect(!run.output.contains("agent starting"))
        }
    }

    @Test(arguments: [
        ("NEXUS_INGEST_WORKERS", "abc", "workers: 'abc' is not a whole number; expected a whole number ≥ 1"),
        ("NEXUS_INGEST_MAX_REJECT_RATIO", "high", "max_reject_ratio: 'high' is not a number; expected a number from 0 to 1"),
        ("NEXUS_INGEST_AUTO_CREATE_PROJECTS", "maybe", "auto_create_projects: 'maybe' is not true or false"),
        ("NEXUS_INGEST_SETTLE_SECNDS", "3", "no setting has this variable; did you mean NEXUS_INGEST_SETTLE_SECONDS?"),
    ])
    func badVariablesFailDoctorAndRun(variable: String, value: String, expected: String) throws {
        let environment = ["NEXUS_INGEST_CONFIG": "", variable: value]
        let doctor = try runNexusIngest(["doctor"], environment: environment)
        #expect(doctor.status != 0)
        #expect(doctor.output.contains("failed   configuration: environment variable \(variable): \(expected)"))
        let run = try runNexusIngest(["run"], environment: environment)
        #expect(run.status != 0)
        #expect(run.output.contains("nexus-ingest: configuration: environment variable \(variable): \(expected)"))
    }

    @Test func configShowsEachSourceAndNoPassword() throws {
        let text = """
            database:
              url: postgresql://nexus:Sup3rSecret@db.example.com/nexus?sslmode=require
            workers: 3
            max_rejects: 4
            """
        try withConfig(text) { path, environment in
            var environment = environment
            environment["NEXUS_INGEST_MAX_REJECTS"] = "9"
            let result = try runNexusIngest(["config"], environment: environment)
            #expect(result.status == 0)
            #expect(!result.output.contains("Sup3rSecret"))
            let lines = result.output.split(separator: "\n").map(String.init)
            func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "" }
            #expect(line("database.url").contains("postgresql://nexus:********@db.example.com/nexus?sslmode=require"))
            #expect(line("database.url").hasSuffix("# config file \(path), line 2"))
            #expect(line("workers").contains(" 3 ") && line("workers").hasSuffix("# config file \(path), line 3"))
            #expect(line("max_rejects").contains(" 9 ") && line("max_rejects").hasSuffix("# environment variable NEXUS_INGEST_MAX_REJECTS"))
            #expect(line("settle_seconds").contains(" 2 ") && line("settle_seconds").hasSuffix("# default"))

            let json = try runNexusIngest(["config", "--json"], environment: environment)
            #expect(json.status == 0)
            #expect(!json.output.contains("Sup3rSecret"))
            let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            let settings = object?["settings"] as? [String: [String: Any]] ?? [:]
            #expect(object?["configFile"] as? String == path)
            #expect(settings["workers"]?["value"] as? Int == 3)
            #expect(settings["workers"]?["source"] as? String == "file")
            #expect(settings["workers"]?["line"] as? Int == 3)
            #expect(settings["max_rejects"]?["source"] as? String == "environment")
            #expect(settings["max_rejects"]?["variable"] as? String == "NEXUS_INGEST_MAX_REJECTS")
            #expect(settings["settle_seconds"]?["source"] as? String == "default")
            #expect(settings["workers"]?["reloadable"] as? Bool == false)
            #expect(settings["max_rejects"]?["reloadable"] as? Bool == true)
            #expect(settings.count > 20)
        }
    }

    @Test func configFailsOnABadConfiguration() throws {
        try withConfig("workers: many\n") { path, environment in
            let result = try runNexusIngest(["config"], environment: environment)
            #expect(result.status != 0)
            #expect(result.output.contains("config file \(path), line 1: workers: 'many'"))
        }
    }
}
