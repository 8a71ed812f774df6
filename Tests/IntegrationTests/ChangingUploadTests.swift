@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile drops (issue #8): an upload truncated, replaced or deleted while it is planned.
/// The planner reads one open file; what it plans must be one consistent content, or the
/// job fails saying the file changed.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct ChangingUploadTests {
    enum Change: String, CaseIterable, Sendable {
        case truncated, replaced, deleted
    }

    @Test(arguments: Change.allCases)
    func anUploadThatChangesWhilePlanned(_ change: Change) throws {
        let fixture = try PipelineFixture()
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let generated = ComponentsFileGenerator.generate(rows: 400_000, seed: 77)
        let path = fixture.upload("big.csv", generated.csv)
        var changed = false
        let spool = Spool(root: fixture.settings.spoolDirectory)
        try spool.create()
        let submission = try JobSubmitter(
            configuration: fixture.configuration, connection: fixture.connection, spool: spool, owner: .test(),
            createdBy: "test"
        ).submit(path: path, type: .priceListComponents, options: ImportOptions(), checkSeen: false, force: true) { _ in
        } progress: { _ in
            guard !changed else { return }
            changed = true
            switch change {
            case .truncated: #expect(truncate(path, 1000) == 0)
            case .replaced:
                fixture.upload("new.csv", "Cat,Sel,Component Code,Qty\nDRY,S1,X,1\n")
                #expect(rename(fixture.directory + "/new.csv", path) == 0)
            case .deleted: #expect(unlink(path) == 0)
            }
        }
        #expect(changed)
        let job: Int64
        switch submission {
        case .failed(let failed): job = failed
        case .planned(let planned, _): job = planned
        default:
            Issue.record("unexpected \(submission)")
            return
        }
        let snapshot = try #require(try JobLedger(connection: fixture.connection).snapshot(job))
        switch change {
        case .truncated:
            // The bytes read no longer add up to the SHA-256 taken first: nothing is planned.
            #expect(snapshot.status == .failed)
            #expect(snapshot.error?["message"] == "the file changed while it was being imported; it is imported again when it is complete")
            #expect(try fixture.count("SELECT count(*) FROM import_chunk") == 0)
            #expect(try Files.list(fixture.settings.spoolDirectory + "/tmp").isEmpty)
        case .replaced, .deleted:
            // The open file keeps its content: the plan is of the file as it was when the job
            // began, complete; a new file under the name is a new version for the agent.
            #expect(snapshot.status == .running, "\(String(describing: snapshot.error))")
            #expect(snapshot.totalChunks ?? 0 > 0)
            #expect(try fixture.count("SELECT sum(input_rows) FROM import_chunk WHERE import_job_id = $1", job) == 400_000)
        }
    }
}
