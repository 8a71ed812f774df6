@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Testing

extension PipelineFixture {
    /// Creates project `code` (and its company) and returns its id.
    @discardableResult
    func seedProject(_ code: String, company: String = "Acme Restoration") throws -> Int64 {
        try connection.query(
            """
            WITH c AS (INSERT INTO company (name) VALUES ($2) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id)
            INSERT INTO project (company_id, code, name) SELECT id, $1, $1 FROM c RETURNING id
            """, code, company
        ).first!.require(0, as: Int64.self)
    }

    func importXact(_ path: String, type: ImportType = .xactRaw, project: String = "P1", version: Int64? = nil) throws -> JobSnapshot {
        try runImport(path, type: type, options: ImportOptions(project: project, estimateVersion: version), force: true)
    }

    func strings(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> [String] {
        try connection.query(sql, parameters: parameters).rows.map { $0[0] ?? "∅" }
    }

    /// Copies `Tests/Fixtures/<name>` into the upload directory (imports write their status
    /// and rejects files next to the upload).
    func uploadSample(_ name: String) throws -> String {
        upload(name, try String(contentsOfFile: sampleFile(name), encoding: .utf8))
    }

    /// The project's current estimate version id.
    func currentVersion(_ project: String = "P1") throws -> Int64? {
        try connection.query(
            "SELECT v.id FROM estimate_version_current v JOIN project p ON p.id = v.project_id WHERE p.code = $1", project
        ).first?.decode(0, as: Int64.self)
    }
}

/// The spec's §10.3 and §10.4 samples and the real estimate export, end to end.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct XactSampleTests {
    @Test func theRawSampleBuildsUnitsParticlesAndTheSOW() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        let job = try fixture.importXact(fixture.uploadSample("xact-raw.csv"))
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        let version = try #require(try fixture.currentVersion())
        #expect(try fixture.strings("SELECT status || '|' || source_type || '|' || file_name || '|' || estimate_kind FROM estimate_version")
            == ["completed|xact_raw_carrier|xact-raw.csv|initial"])
        #expect(try fixture.strings("SELECT external_code || '→' || label FROM project_unit ORDER BY label")
            == ["GENERAL→GENERAL", "UNIT_01→Unit 01", "UNIT_02→Unit 02"])
        #expect(try fixture.strings("SELECT full_label FROM project_particle ORDER BY full_label")
            == ["GENERAL - General Conditions", "Unit 01 - Unit 1 - Kitchen", "Unit 02 - Unit 2 - Hall Bath"])
        #expect(try fixture.strings("SELECT total_amount::text FROM sow WHERE estimate_version_id = $1", version) == ["2544.50"])
        #expect(try fixture.strings(
            """
            SELECT line_no || '|' || coalesce(source_line_no::text, '∅') || '|' || category_code || '|' || selection_code
                   || '|' || activity || '|' || unit || '|' || qty || '|' || coalesce(rcv_amount::text, '∅') || '|'
                   || percent_complete || '|' || payer_type || '|' || coalesce(item_note, '∅')
            FROM sow_item ORDER BY line_no
            """) == [
                "1|1|DRY|1/2|Replace|SF|128.00|318.02|50|carrier|∅",
                "2|2|WTR|DHM|Replace|DA|3.00|240.00|50|carrier|Ran 3 days per moisture log.",
                "3|3|WTR|PAD|Remove|SF|64.00|36.48|50|carrier|∅",
                "4|4|LAB|SUPERC|Replace|HR|24.00|1950.00|50|carrier|∅",
            ])
        // Row 1 (spec §10.3): sales tax 4.42, life 150, recoverable, Tax "Yes" → null; the raw
        // Group Code stays in the raw JSON.
        #expect(try fixture.strings(
            """
            SELECT sales_tax || '|' || life || '|' || recoverable || '|' || coalesce(tax::text, '∅') || '|' || group_code
                   || '|' || (raw_row_json ->> 'Group Code') || '|' || source_date || '|' || coalesce(labor_minimum::text, '∅')
            FROM raw_xact_row WHERE line_no = 1
            """) == ["4.42|150|true|∅|UNIT_01|UNIT_01_KIT|2025-03-14|∅"])
        #expect(try fixture.count("SELECT count(*) FROM sow_logical_item") == 4)
        let result = try #require(job.result)
        #expect(result["itemCount"] == 4)
        #expect(result["totalAmount"] == .double(2544.5))
        #expect(result["estimateVersionId"] == .int(version))
        #expect(result["trace"]?["csv"]?["delimiter"] == "comma")
        #expect(result["trace"]?["phases"]?["units"]?["willCreate"] == 3)
        // No active Golden list: the sync returns zeros without logging.
        #expect(result["goldenUpdate"]?["updatedCount"] == 0)
        #expect(try fixture.count("SELECT count(*) FROM golden_price_update_log") == 0)
    }

    @Test func theComponentsSampleIsAllocatedByCatSelThenGlobally() throws {
        let fixture = try PipelineFixture()
        try fixture.seedProject("P1")
        let raw = try fixture.importXact(fixture.uploadSample("xact-raw.csv"))
        #expect(raw.status == .succeeded)
        let job = try fixture.importXact(
            fixture.uploadSample("xact-components.csv"),
            type: .xactComponents)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.strings(
            """
            SELECT line_no || '|' || code || '|' || coalesce(quantity::text, '∅') || '|' || coalesce(unit_price::text, '∅')
                   || '|' || coalesce(total::text, '∅') || '|' || coalesce(request_third_party_pricing::text, '∅')
                   || '|' || coalesce(contractor_supplied::text, '∅')
            FROM component_summary_current ORDER BY line_no
            """) == [
                "2|DRY1/2|140.8|0.36|50.69|∅|true", "3|WTRDHM|3|80|240.00|∅|true", "4|AIRMVR|12|28.5|342.00|false|true",
                "5|DMODUMP>|1|1015.00|1015.00|∅|true", "6|LABDRY|18.75|72.61|1361.44|∅|false",
            ])
        #expect(try fixture.count("SELECT count(*) FROM raw_component_row_current") == 5)
        // DRY1/2 → the DRY 1/2 line; WTRDHM → WTR DHM; AIRMVR and DMODUMP> → every line by
        // RCV; LABDRY → the LAB line by category.
        #expect(try fixture.strings(
            """
            SELECT a.code || '→' || s.line_no || '|' || a.allocation_basis || '|' || round(a.quantity, 6) || '|' || round(a.total, 6)
            FROM sow_component_allocation_current a JOIN sow_item s ON s.id = a.sow_item_id
            WHERE a.code IN ('DRY1/2', 'WTRDHM', 'LABDRY') ORDER BY 1
            """) == [
                "DRY1/2→1|proportional_rcv_by_cat_sel|140.800000|50.690000",
                "LABDRY→4|proportional_rcv_by_category|18.750000|1361.440000",
                "WTRDHM→2|proportional_rcv_by_cat_sel|3.000000|240.000000",
            ])
        #expect(try fixture.strings(
            """
            SELECT a.code || '|' || count(*) || '|' || min(a.allocation_basis) || '|' || round(sum(a.quantity), 9) || '|' || round(sum(a.total), 9)
            FROM sow_component_allocation_current a GROUP BY a.code ORDER BY a.code
            """) == [
                "AIRMVR|4|proportional_rcv_global|12.000000000|342.000000000",
                "DMODUMP>|4|proportional_rcv_global|1.000000000|1015.000000000",
                "DRY1/2|1|proportional_rcv_by_cat_sel|140.800000000|50.690000000",
                "LABDRY|1|proportional_rcv_by_category|18.750000000|1361.440000000",
                "WTRDHM|1|proportional_rcv_by_cat_sel|3.000000000|240.000000000",
            ])
        let allocation = try #require(job.result?["allocation"])
        #expect(allocation["components"] == 5)
        #expect(allocation["catSelMatchedComponents"] == 2)
        #expect(allocation["categoryFallbackComponents"] == 1)
        #expect(allocation["globalFallbackComponents"] == 2)
        #expect(allocation["allocationsCreated"] == 11)
    }

    @Test func theRealEstimateAndItsComponentsImportEveryLine() throws {
        let fixture = try PipelineFixture()
        fixture.settings.chunks = .fixed(3)
        try fixture.seedProject("P1")
        let raw = try fixture.importXact(fixture.uploadSample("xact-raw-real-estimate.csv"))
        #expect(raw.status == .succeeded, "\(String(describing: raw.error))")
        #expect(raw.rejectsCount == 0)
        #expect(try fixture.count("SELECT count(*) FROM sow_item") == 1592)
        #expect(try fixture.count("SELECT count(*) FROM sow_item WHERE source_line_no = line_no") == 1592)
        let components = try fixture.importXact(fixture.uploadSample("xact-components-real-estimate.csv"), type: .xactComponents)
        #expect(components.status == .succeeded, "\(String(describing: components.error))")
        #expect(try fixture.count("SELECT count(*) FROM component_summary_current") == 142)
        // Every component's allocations add up to its quantity and total.
        #expect(try fixture.count(
            """
            SELECT count(*) FROM component_summary_current c
            WHERE abs(coalesce(c.quantity, 0) - coalesce((SELECT sum(quantity) FROM sow_component_allocation a
                                                        WHERE a.component_summary_id = c.id), 0)) > 1e-9
               OR abs(coalesce(c.total, 0) - coalesce((SELECT sum(total) FROM sow_component_allocation a
                                                     WHERE a.component_summary_id = c.id), 0)) > 1e-9
            """) == 0)
    }

    @Test func theGoldenListAndTheCostBookLearnTheEstimatesPrices() throws {
        let fixture = try PipelineFixture()
        let project = try fixture.seedProject("P1")
        let golden = try fixture.connection.query(
            "INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', 'Golden', 1, true) RETURNING id"
        ).first!.require(0, as: Int64.self)
        // Golden PETL stores Activity as codes; the sync normalizes the estimate's words the
        // same way (DESIGN §3, Q6), so these match.
        for (cat, sel, description, price) in [
            ("DRY", "1/2", "Drywall - 1/2\" hung, taped, floated, ready for paint", "2.00"),
            ("WTR", "DHM", "Dehumidifier (per 24 hour period) - Large - No monitoring", "80.00"),
            ("LAB", "SUPERC", "Commercial Supervision / Project Management - per hour", nil),
        ] as [(String, String, String, String?)] {
            try fixture.connection.query(
                """
                INSERT INTO price_list_item (price_list_id, cat, sel, activity, description, unit_price, canonical_key_hash)
                VALUES ($1, $2, $3, '+', $4, $5::numeric, $6)
                """, golden, cat, sel, description, price,
                CanonicalKey.hash(cat: cat, sel: sel, activity: "+", description: description))
        }
        let book = try fixture.connection.query(
            """
            INSERT INTO company_price_list (company_id, label, revision, is_active)
            SELECT company_id, 'Acme book', 3, true FROM project WHERE id = $1 RETURNING id
            """, project
        ).first!.require(0, as: Int64.self)
        try fixture.connection.query(
            "INSERT INTO company_price_list_item (company_price_list_id, cat, sel, unit_price) VALUES ($1, 'dry', '1/2', 1.00)", book)

        let job = try fixture.importXact(fixture.uploadSample("xact-raw.csv"))
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.strings(
            """
            SELECT cat || '|' || coalesce(unit_price::text, '∅') || '|' || coalesce(last_known_unit_price::text, '∅')
            FROM price_list_item ORDER BY cat
            """) == ["DRY|2.45|2.00", "LAB|81.25|0", "WTR|80.00|∅"])
        let update = try #require(job.result?["goldenUpdate"])
        #expect(update["updatedCount"] == 2)
        #expect(update["avgDelta"] == .double(40.85))
        #expect(update["avgPercentDelta"] == .double(0.1125))
        #expect(try fixture.strings(
            "SELECT updated_count || '|' || avg_delta::numeric(10,4) || '|' || avg_percent_delta::numeric(10,4) || '|' || source FROM golden_price_update_log")
            == ["2|40.8500|0.1125|XACT_ESTIMATE"])

        #expect(try fixture.strings(
            """
            SELECT upper(cat) || '::' || coalesce(sel, '') || '|' || round(unit_price, 2) || '|' || coalesce(last_known_unit_price::text, '∅')
                   || '|' || last_price_changed_source || '|' || source_vendor
            FROM company_price_list_item ORDER BY 1
            """) == [
                "DRY::1/2|2.45|1.00|PROJECT_PETL_IMPORT|PETL_AUTO_IMPORT",
                "LAB::SUPERC|81.25|∅|PROJECT_PETL_IMPORT|PETL_AUTO_IMPORT",
                "WTR::DHM|80.00|∅|PROJECT_PETL_IMPORT|PETL_AUTO_IMPORT",
                "WTR::PAD|0.57|∅|PROJECT_PETL_IMPORT|PETL_AUTO_IMPORT",
            ])
        #expect(job.result?["costBookUpdate"]?["updatedCount"] == 1)
        #expect(job.result?["costBookUpdate"]?["createdCount"] == 3)
        #expect(try fixture.count("SELECT count(*) FROM tenant_price_update_log WHERE source_import_job_id = $1", job.id) == 4)
    }
}
