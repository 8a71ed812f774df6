@testable import IngestAgent
@testable import Importers
import IngestCore
import IngestPostgres
import NexusIngestSamples
import Testing

/// A failed XACT import never changes what readers see: the previous estimate version and
/// component set stay current, and the failed version says why.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct XactFailureTests {
    let generator = XactEstimateGenerator(lines: 2_000, units: 5, roomsPerUnit: 4, components: 300)

    /// A fixture with a first, successful version and component set of project P1.
    func published() throws -> (PipelineFixture, version: Int64, dump: [String]) {
        let fixture = try PipelineFixture()
        fixture.settings.chunks = .fixed(4)
        try fixture.seedProject("P1")
        #expect(try fixture.importXact(fixture.upload("estimate.csv", generator.estimateCSV())).status == .succeeded)
        #expect(try fixture.importXact(fixture.upload("components.csv", generator.componentsCSV()), type: .xactComponents).status == .succeeded)
        return (fixture, try #require(try fixture.currentVersion()), try fixture.xactDump())
    }

    func versionOf(_ job: JobSnapshot, _ fixture: PipelineFixture) throws -> [String] {
        try fixture.strings(
            "SELECT status || '|' || coalesce(error_message, '∅') FROM estimate_version WHERE import_job_id = $1", job.id)
    }

    @Test func aFailedRawChunkLeavesThePreviousVersionCurrent() throws {
        let (fixture, version, dump) = try published()
        try fixture.refuseRawRows(where: "description = 'BOOM'", message: "line BOOM is not allowed")
        var bytes = generator.estimateCSV()
        bytes += Array("9999,UNIT_01_BLDG,Room 1 - 1,BOOM,0,Average,1.00,1.00,0,1.00,EA,Dwelling,Replace,,,,,,,,,1.00,,,,,,,,CAA,S1,,,,,,\r\n".utf8)
        let failed = try fixture.importXact(fixture.upload("bad.csv", bytes))
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "chunkFailed")
        #expect(failed.error?["message"]?.stringValue?.contains("line BOOM is not allowed") == true)
        #expect(failed.error?["line"] == 2002)
        let state = try versionOf(failed, fixture)
        #expect(state.count == 1 && state[0].hasPrefix("failed|") && state[0].contains("line BOOM is not allowed"))
        #expect(try fixture.count("SELECT count(*) FROM sow s JOIN estimate_version v ON v.id = s.estimate_version_id WHERE v.import_job_id = $1", failed.id) == 0)
        #expect(try fixture.currentVersion() == version)
        #expect(try fixture.xactDump() == dump)
    }

    @Test func aFailedRawFinalizeLeavesThePreviousVersionCurrentAndNoNewUnits() throws {
        let (fixture, version, dump) = try published()
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_sow() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no SOW today'; END $$;
            CREATE TRIGGER refuse_sow BEFORE INSERT ON sow FOR EACH ROW EXECUTE FUNCTION refuse_sow();
            """)
        // A new unit and room: their creation must be rolled back with the rest.
        var bytes = generator.estimateCSV()
        bytes += Array("9999,UNIT_77_NEW,New room,Extra line,0,Average,1.00,1.00,0,1.00,EA,Dwelling,Replace,,,,,,,,,1.00,,,,,,,,CAA,S1,,,,,,\r\n".utf8)
        let failed = try fixture.importXact(fixture.upload("again.csv", bytes))
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "finalizeFailed")
        #expect(failed.error?["message"]?.stringValue?.contains("no SOW today") == true)
        #expect(try versionOf(failed, fixture).first?.hasPrefix("failed|finalize: ") == true)
        #expect(try fixture.count("SELECT count(*) FROM project_unit WHERE label = 'Unit 77'") == 0)
        #expect(try fixture.currentVersion() == version)
        #expect(try fixture.xactDump() == dump)

        try fixture.connection.executeScript("DROP TRIGGER refuse_sow ON sow")
        let next = try fixture.importXact(fixture.upload("again2.csv", bytes))
        #expect(next.status == .succeeded)
        #expect(try fixture.count("SELECT count(*) FROM project_unit WHERE label = 'Unit 77'") == 1)
    }

    @Test func rejectedLinesAreReportedAndFailTheVersion() throws {
        let (fixture, version, dump) = try published()
        var bytes = generator.estimateCSV()
        bytes += Array("9998,UNIT_01_BLDG,Room 1 - 1,Bad qty,0,Average,abc,1.00,0,1.00,EA,Dwelling,Replace,,,,,,,,,1.00,,,,,,,,CAA,S1,,,,,,\r\n".utf8)
        bytes += Array("9999,UNIT_01_BLDG,,No room,0,Average,1,1.00,0,1.00,EA,Dwelling,Replace,,,,,,,,,1.00,,,,,,,,CAA,S1,,,,,,\r\n".utf8)
        let path = fixture.upload("rejects.csv", bytes)
        let failed = try fixture.importXact(path)
        #expect(failed.status == .failed)
        #expect(failed.error?["code"] == "tooManyRejects")
        #expect(failed.rejectsCount == 2)
        let rejects = try #require(fixture.read(path + ".rejects.csv"))
        #expect(rejects.contains("\n2002,column 'Qty': 'abc' is not a number,\"9998,"))
        #expect(rejects.contains("\n2003,column 'Group Description' is empty: the line belongs to no room,\"9999,"))
        #expect(try versionOf(failed, fixture).first?.hasPrefix("failed|2 of 2002 rows rejected") == true)
        #expect(try fixture.currentVersion() == version)
        #expect(try fixture.xactDump() == dump)
    }

    @Test func aFailedComponentsImportLeavesThePreviousSetCurrent() throws {
        let (fixture, _, dump) = try published()
        let current = try fixture.strings("SELECT components_import_job_id::text FROM estimate_version_current")
        // A chunk that fails …
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.code = 'BOOM' THEN RAISE EXCEPTION 'component BOOM is not allowed'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON component_summary FOR EACH ROW EXECUTE FUNCTION refuse_boom();
            """)
        var bytes = generator.componentsCSV()
        bytes += Array("BOOM,Bad,Taxable,Yes,1,EA,1,1,\r\n".utf8)
        let chunkFailed = try fixture.importXact(fixture.upload("bad.csv", bytes), type: .xactComponents)
        #expect(chunkFailed.status == .failed)
        #expect(chunkFailed.error?["code"] == "chunkFailed")
        #expect(try fixture.xactDump() == dump)
        // … and a finalize that fails after its allocation was written and attached (when the
        // version is pointed at the new set): the attach is undone with the rest.
        let partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'sow_component_allocation'::regclass"
        let attached = try fixture.count(partitions)
        try fixture.connection.executeScript(
            """
            CREATE FUNCTION refuse_publish() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no new components today'; END $$;
            CREATE TRIGGER refuse_publish BEFORE UPDATE OF components_import_job_id ON estimate_version FOR EACH ROW
                EXECUTE FUNCTION refuse_publish();
            """)
        let finalizeFailed = try fixture.importXact(fixture.upload("components2.csv", generator.componentsCSV()), type: .xactComponents)
        #expect(finalizeFailed.status == .failed)
        #expect(finalizeFailed.error?["code"] == "finalizeFailed")
        #expect(finalizeFailed.error?["message"]?.stringValue?.contains("no new components today") == true)
        #expect(try fixture.count(partitions) == attached)
        #expect(try fixture.count("SELECT count(*) FROM \(AllocationStorage.tableName(finalizeFailed.id))") == 0)
        #expect(try fixture.strings("SELECT components_import_job_id::text FROM estimate_version_current") == current)
        #expect(try fixture.xactDump() == dump)
    }

    @Test func projectsAndEstimateVersionsMustExist() throws {
        let fixture = try PipelineFixture()
        let raw = try fixture.importXact(fixture.uploadSample("xact-raw.csv"), project: "NOPE")
        #expect(raw.status == .failed)
        #expect(raw.error?["message"] == "project 'NOPE' does not exist; create it, or set auto_create_projects: true")

        try fixture.seedProject("P1")
        let components = try fixture.importXact(fixture.uploadSample("xact-components.csv"), type: .xactComponents)
        #expect(components.status == .failed)
        #expect(components.error?["message"] == "No estimate version found for project 'P1'. Import Xactimate raw line items first.")
        let wrong = try fixture.importXact(fixture.uploadSample("xact-components.csv"), type: .xactComponents, version: 12345)
        #expect(wrong.error?["message"] == "estimate version 12345 does not exist")

        // The newest completed version with SOW items takes the components: a later one without
        // any (here made by hand) is passed over.
        let estimate = try fixture.importXact(fixture.uploadSample("xact-raw.csv"))
        #expect(estimate.status == .succeeded, "\(String(describing: estimate.error))")
        try fixture.connection.executeScript(
            """
            INSERT INTO estimate_version (project_id, source_type, file_name, stored_path, sequence_no, status)
            SELECT project_id, source_type, 'empty.csv', stored_path, sequence_no + 1, 'completed' FROM estimate_version
            """)
        let attached = try fixture.importXact(fixture.uploadSample("xact-components.csv"), type: .xactComponents)
        #expect(attached.status == .succeeded, "\(String(describing: attached.error))")
        #expect(try fixture.strings("SELECT file_name FROM estimate_version WHERE components_import_job_id = $1", attached.id)
            == ["xact-raw.csv"])

        // With auto_create_projects the project is created for default_company.
        var settings = fixture.configuration
        settings.agent.autoCreateProjects = true
        settings.agent.defaultCompany = "Nexus Default"
        let created = try ImportRunner(configuration: settings).run(
            path: fixture.uploadSample("xact-raw.csv"), type: .xactRaw, options: ImportOptions(project: "NEW-1"), force: true,
            createdBy: "test")
        #expect(created.status == .succeeded, "\(String(describing: created.error))")
        #expect(try fixture.strings("SELECT c.name FROM project p JOIN company c ON c.id = p.company_id WHERE p.code = 'NEW-1'")
            == ["Nexus Default"])
    }
}
