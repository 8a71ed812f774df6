import Importers
import IngestPostgres
import NexusIngestSamples

extension PipelineFixture {
    /// The tables an XACT raw import fills, in the order their keys need.
    static let estimateTables = [
        "company", "project", "import_job", "estimate_version", "raw_xact_row", "project_unit", "project_particle",
        "sow_logical_item", "sow", "sow_item",
    ]

    /// Fills this (older) schema with the estimate versions that these XACT raw files make, as
    /// the previous schema's imports left them: the files are imported one after another into a
    /// schema with every migration, and the rows of ``estimateTables`` copied over, ids and
    /// all. The upgrade tests use it where the importers of this build write storage an older
    /// schema does not have yet.
    func importXactAsBefore(_ files: [[UInt8]], project: String = "P1") throws {
        let donor = try PipelineFixture()
        try donor.seedProject(project)
        for (index, file) in files.enumerated() {
            let job = try donor.importXact(donor.upload("estimate-\(index).csv", file))
            guard job.status == .succeeded else { throw DonorImportFailed(job: "\(job)") }
        }
        let from = try connection.quoteIdentifier(donor.schema)
        for table in Self.estimateTables {
            let columns = try connection.query(
                """
                SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                """, table
            ).first!.require(0, as: String.self)
            try connection.query("INSERT INTO \(table) (\(columns)) SELECT \(columns) FROM \(from).\(table)")
            try connection.query(
                "SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM \(table)))", table)
        }
    }
}

extension PipelineFixture {
    /// Project P1's estimate as the previous schema's imports left it
    /// (``importXactAsBefore(_:project:)``): a 120-line version, then `generator`'s (current);
    /// and a components import of `generator`'s, allocated over the current one by this build.
    func importXactWithComponentsAsBefore(_ generator: XactEstimateGenerator) throws {
        try importXactAsBefore([XactEstimateGenerator(lines: 120, components: 10).estimateCSV(), generator.estimateCSV()])
        let components = try runImport(
            upload("components.csv", generator.componentsCSV()), type: .xactComponents,
            options: ImportOptions(project: "P1", publish: PublishPolicy(maxRemovedRatio: 1)))
        guard components.status == .succeeded else { throw DonorImportFailed(job: "\(components)") }
    }
}

/// An import into the donor schema of ``PipelineFixture/importXactAsBefore(_:project:)`` failed.
struct DonorImportFailed: Error {
    let job: String
}
