@testable import IngestAgent
import Importers
import IngestCore
import IngestPostgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A migrated schema of its own, an upload directory and a spool, for one pipeline test.
final class PipelineFixture {
    let schema: String
    let connection: PostgresConnection
    let directory: String
    var settings: PipelineSettings

    /// A schema migrated by `migrations` (an older schema, to test an upgrade: ``migrate()``).
    init(migrations: [Migration] = Migrations.all) throws {
        schema = TestDatabase.uniqueSchemaName("p")
        connection = try TestDatabase.connect()
        _ = try Migrator(connection: connection, schema: schema, migrations: migrations).migrate()
        try connection.setSearchPath(schema)
        var template = Array("/tmp/nexus-ingest-pipeline.XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        settings = PipelineSettings(spoolDirectory: directory + "/spool", workers: 2, initialBackoffMilliseconds: 10)
    }

    deinit {
        try? connection.executeScript("DROP SCHEMA \(try! connection.quoteIdentifier(schema)) CASCADE")
        _ = system("rm -rf '\(directory)'")
    }

    /// Applies every migration the schema does not have yet.
    func migrate() throws {
        _ = try Migrator(connection: connection, schema: schema).migrate()
        try connection.setSearchPath(schema)
    }

    /// The component sets that have a table of their own (attached or not).
    func componentSetTables() throws -> Int {
        try count(
            """
            SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace
            AND relname ~ '^price_list_component_s[0-9]+$'
            """)
    }

    /// The schema, the pipeline settings, and the fixture's directory as the drop root.
    var configuration: AgentConfiguration {
        var configuration = AgentConfiguration(databaseURL: TestDatabase.url, databaseSchema: schema, pipeline: settings)
        configuration.agent.dropRoot = directory
        return configuration
    }

    /// Writes an upload with plain open/write/close, as an SFTP server does.
    @discardableResult
    func upload(_ name: String, _ bytes: [UInt8]) -> String {
        let path = "\(directory)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        bytes.withUnsafeBufferPointer { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }

    @discardableResult
    func upload(_ name: String, _ text: String) -> String { upload(name, Array(text.utf8)) }

    func read(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    func readBytes(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Runs an in-process import, as `nexus-ingest import` does.
    func runImport(
        _ path: String, type: ImportType = .priceListComponents, options: ImportOptions = ImportOptions(), force: Bool = false
    ) throws -> JobSnapshot {
        try ImportRunner(configuration: configuration).run(path: path, type: type, options: options, force: force, createdBy: "test")
    }

    /// Creates an active Golden list (revision `revision`) with `items` (cat, sel, activity, description).
    @discardableResult
    func seedGoldenList(revision: Int = 1, items: [(String, String, String, String)]) throws -> Int64 {
        try connection.query("UPDATE price_list SET is_active = false WHERE kind = 'GOLDEN' AND is_active")
        let list = try connection.query(
            "INSERT INTO price_list (kind, code, label, revision, is_active) VALUES ('GOLDEN', 'XACT_ALL', $1, $2, true) RETURNING id",
            "Golden r\(revision)", revision
        ).first!.require(0, as: Int64.self)
        let statement = try connection.copyStatement(
            table: "price_list_item", columns: ["price_list_id", "cat", "sel", "activity", "description", "canonical_key_hash"])
        try connection.copyIn(statement) { writer in
            for (index, item) in items.enumerated() {
                try writer.writeTextRow([String(list), item.0, item.1, item.2, item.3, "hash-\(revision)-\(index)"])
            }
        }
        return list
    }

    /// The current components as comparable text rows:
    /// `item cat|sel|activity|desc :: code | description | quantity | material | labor | equipment`.
    func currentComponents() throws -> [String] {
        try connection.query(
            """
            SELECT i.cat || '|' || i.sel || '|' || i.activity || '|' || i.description || ' :: ' || c.component_code
                   || ' | ' || coalesce(c.description, '∅') || ' | ' || coalesce(round(c.quantity, 4)::text, '∅')
                   || ' | ' || coalesce(round(c.material, 4)::text, '∅') || ' | ' || coalesce(round(c.labor, 4)::text, '∅')
                   || ' | ' || coalesce(round(c.equipment, 4)::text, '∅')
            FROM price_list_component_current c JOIN price_list_item i ON i.id = c.price_list_item_id
            ORDER BY 1
            """
        ).rows.map { $0[0]! }
    }

    func count(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> Int {
        try connection.query(sql, parameters: parameters).first!.require(0, as: Int.self)
    }

    /// Validates a status file against Config/status.schema.json with python3-jsonschema.
    func validateStatusFile(_ path: String) -> Bool { statusFileIsValid(path) }
}

/// Whether a status file validates against Config/status.schema.json
/// (`scripts/lib/validate-status.py`, which says so when python3-jsonschema is missing).
func statusFileIsValid(_ path: String) -> Bool {
    let root = "/" + String(#filePath.split(separator: "/Tests/").first!).drop(while: { $0 == "/" })
    return system("/usr/bin/python3 '\(root)/scripts/lib/validate-status.py' '\(path)'") == 0
}

extension Planner {
    /// Plans the upload at `path` as it is now, with no duplicate search.
    func planUpload(job: Int64, path: String) throws -> PlanSummary {
        let outcome = try plan(job: job, path: path, file: FileProbe.probe(path)!, duplicateOf: { _ in nil }, progress: { _ in })
        guard case .planned(let summary) = outcome else { throw ImportFailure(code: .internalError, message: "not planned: \(outcome)") }
        return summary
    }
}

/// The items of the spec's §10.1 sample, as a Golden list would hold them.
let sampleGoldenItems: [(String, String, String, String)] = [
    ("DRY", "1/2", "+", "Drywall - 1/2\" hung, taped, floated, ready for paint"),
    ("DRY", "1/2", "-", "Drywall - 1/2\" hung, taped, floated, ready for paint"),
    ("WTR", "DHM", "+", "Dehumidifier (per 24 hour period) - Large - No monitoring"),
    ("WTR", "EQ", "+", "Equipment setup, take down, and monitoring (hourly charge)"),
    ("DMO", "DUMP>>", "+", "Dumpster load - Approx. 40 yards, 7-8 tons of debris"),
]

/// A sample file under Tests/Fixtures.
func sampleFile(_ name: String) -> String {
    let root = String(#filePath.split(separator: "/Tests/").first!)
    return "/" + root.drop(while: { $0 == "/" }) + "/Tests/Fixtures/" + name
}
