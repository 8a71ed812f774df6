@testable import IngestAgent
import Foundation
import Importers
import IngestCore
import IngestPostgres
import Testing

/// One bad input of `Tests/Fixtures/bad-input/` and what must become of it (`expected.json`).
struct BadInput: Decodable, CustomStringConvertible, Sendable {
    var file: String
    var type: String
    var status: String
    var code: String?
    var message: String?
    var rejects: [[Reject]]
    var generated: Bool?
    var note: String

    enum Reject: Decodable, Sendable {
        case line(Int)
        case reason(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let line = try? container.decode(Int.self) { self = .line(line) } else { self = .reason(try container.decode(String.self)) }
        }
    }

    var description: String { file }

    static let all: [BadInput] = {
        let data = FileManager.default.contents(atPath: sampleFile("bad-input/expected.json")) ?? Data()
        return (try? JSONDecoder().decode([BadInput].self, from: data)) ?? []
    }()

    /// The file's bytes: kept under Tests/, or generated for the two that are too big to keep.
    func bytes() -> [UInt8] {
        switch file {
        case "47-ten-megabyte-single-line.csv":
            return [UInt8](repeating: UInt8(ascii: ","), count: 10 << 20)
        case "48-five-thousand-columns.csv":
            var header = "Code,Description,Quantity,Unit,Unit Price,Total"
            var row = "DRY1/2,Drywall,2,SF,0.36,0.72"
            for column in 6..<5_000 {
                header += ",Extra \(column)"
                row += ",\(column)"
            }
            return Array("\(header)\n\(row)\n".utf8)
        default:
            return Array(FileManager.default.contents(atPath: sampleFile("bad-input/" + file)) ?? Data())
        }
    }
}

/// Issue #8's bad-input corpus: every file gets its written outcome (the rejected lines
/// with their reasons, or one clear failure), and what was published before stays as it
/// was whenever an import fails.
@Suite(.serialized, .enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
final class BadInputCorpusTests {
    let fixture: PipelineFixture

    init() throws {
        fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: sampleGoldenItems)
        try fixture.seedProject("P1")
        #expect(try fixture.runImport(fixture.uploadSample("golden-components-xactimate.csv"), force: true).status == .succeeded)
        #expect(try fixture.runImport(fixture.uploadSample("golden-petl.csv"), type: .priceList, force: true).status == .succeeded)
        #expect(try fixture.importXact(fixture.uploadSample("xact-raw.csv")).status == .succeeded)
        #expect(try fixture.importXact(fixture.uploadSample("xact-components.csv"), type: .xactComponents).status == .succeeded)
    }

    /// Everything readers see.
    func published() throws -> [String] {
        try fixture.currentComponents() + fixture.goldenLines() + fixture.xactDump()
            + fixture.strings("SELECT id::text FROM estimate_version_current")
    }

    @Test func theCorpusHasAtLeastFortyFiles() {
        #expect(BadInput.all.count >= 40)
        #expect(Set(BadInput.all.map(\.type)) == ["golden-components", "golden-petl", "xact-raw", "xact-components"])
    }

    @Test(arguments: BadInput.all)
    func eachBadInputHasItsWrittenOutcome(_ input: BadInput) throws {
        let before = try published()
        let path = fixture.upload(input.file, input.bytes())
        guard let type = ImporterRegistry.standard.type(cliName: input.type) else {
            Issue.record("\(input.file): unknown type \(input.type)")
            return
        }
        // Each input replaces what the one before published: the removal guard is off here
        // (PublishGuardTests covers it).
        let options = ImportOptions(
            project: type == .xactRaw || type == .xactComponents ? "P1" : nil, publish: PublishPolicy(maxRemovedRatio: 1))
        let job = try fixture.runImport(path, type: type, options: options, force: true)
        #expect(job.status.rawValue == input.status, "\(input.file): \(String(describing: job.error)) — \(input.note)")
        if let code = input.code { #expect(job.error?["code"] == .string(code), "\(input.file): \(String(describing: job.error))") }
        if let message = input.message {
            #expect(job.error?["message"]?.stringValue?.contains(message) == true, "\(input.file): \(String(describing: job.error))")
        }
        if input.status == "FAILED" {
            #expect(try published() == before, "\(input.file) changed published data")
        }
        if !input.rejects.isEmpty {
            let rejects = fixture.read(path + ".rejects.csv") ?? ""
            for reject in input.rejects {
                guard case .line(let line)? = reject.first, case .reason(let reason)? = reject.last else { continue }
                #expect(rejects.contains("\n\(line),") && rejects.split(separator: "\n").contains { $0.hasPrefix("\(line),") && $0.contains(reason) },
                        "\(input.file): line \(line) '\(reason)' not in\n\(rejects)")
            }
            #expect(job.rejectsCount == input.rejects.count, "\(input.file)")
        }
    }
}
