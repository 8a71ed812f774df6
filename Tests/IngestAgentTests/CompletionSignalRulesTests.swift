@testable import IngestAgent
import Importers
import Testing

@Suite("Completion signal rules")
struct CompletionSignalRulesTests {
    @Test func routesNameTheirSignal() throws {
        let routes = try RouteTable(entries: [
            "a=golden-components", "b=golden-components;complete_when=marker", "c=golden-petl:replace; complete_when=checksum",
            "d=golden-components;complete_when=marker;marker_suffix=.ok",
        ]).routes
        #expect(routes.map(\.completion) == [.settled, .marker(suffix: ".done"), .checksum, .marker(suffix: ".ok")])
        #expect(routes[2].mode == .replace)
        #expect(try RouteTable(entries: ["d=golden-components;complete_when=marker;marker_suffix=.ok"]).signalSuffixes == [".sha256", ".done", ".ok"])
    }

    @Test func routesCarryTheirPublishGuards() throws {
        let table = try RouteTable(entries: [
            "a=golden-components;publish=manual", "b=golden-petl:replace;max_removed_ratio=0.2;min_rows=100", "c=golden-components",
        ])
        #expect(table.routes.map(\.publish) == [
            PublishPolicy(mode: .manual), PublishPolicy(maxRemovedRatio: 0.2, minRows: 100), PublishPolicy(),
        ])
        #expect(table.match(directory: ["b"])?.options.publish == PublishPolicy(maxRemovedRatio: 0.2, minRows: 100))
    }

    @Test(arguments: [
        "a=golden-components;complete_when=soon", "a=golden-components;colour=red",
        "a=golden-components;complete_when=marker;marker_suffix=done", "a=golden-components;publish=dry-run",
        "a=golden-components;publish=later", "a=golden-components;max_removed_ratio=1.5", "a=golden-components;min_rows=-1",
        "a=golden-components;max_removed_ratio=half",
    ])
    func badRouteOptionsAreRefused(entry: String) {
        #expect(throws: RouteTable.EntryError.self) { try RouteTable.Route(entry: entry) }
    }

    @Test func signalPaths() {
        #expect(CompletionSignal.settled.signalPath(for: "/d/x.csv") == nil)
        #expect(CompletionSignal.marker(suffix: ".done").signalPath(for: "/d/x.csv") == "/d/x.csv.done")
        #expect(CompletionSignal.checksum.signalPath(for: "/d/x.csv") == "/d/x.csv.sha256")
    }

    @Test func sidecarLinesInEveryFormatSha256sumWrites() {
        let digest = String(repeating: "ab", count: 32)
        #expect(ChecksumSidecar.parse("\(digest)  x.csv")! == (digest, "x.csv"))
        #expect(ChecksumSidecar.parse("\(digest) *x.csv")! == (digest, "x.csv"))
        #expect(ChecksumSidecar.parse(digest.uppercased())! == (digest, nil))
        #expect(ChecksumSidecar.parse("SHA256 (x.csv) = \(digest)")! == (digest, "x.csv"))
        #expect(ChecksumSidecar.parse("\(digest.dropLast())  x.csv") == nil)
        #expect(ChecksumSidecar.parse("not a digest") == nil)
        #expect(ChecksumSidecar.parse("\(digest)x.csv") == nil)
    }
}
