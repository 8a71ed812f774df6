import Importers
import IngestCore
import IngestPostgres

extension ImportType {
    /// The test-only fifth type: widget price lists.
    static let testWidgets = ImportType(rawValue: "TEST_WIDGETS", cliName: "test-widgets")
}

/// A fifth import type that lives only in the tests: `SKU,Price` files, one row per widget,
/// published as a whole when the job finalizes. It is one folder and one line in a registry
/// (``FifthImporterTests``): nothing in Sources knows it.
struct WidgetImporter: RegisteredImporter {
    static var importType: ImportType { .testWidgets }
    static var summary: String { "widget price lists (tests only)" }
    static var defaultRoutes: [String] { ["test-widgets=test-widgets"] }
    static var options: ImportOptionRules { ImportOptionRules() }
    static var migrations: [Migration] {
        [
            Migration(
                version: 1001, name: "test_widgets",
                sql: """
                    CREATE TABLE test_widget (
                        import_job_id bigint NOT NULL REFERENCES import_job (id),
                        line          int NOT NULL,
                        sku           text NOT NULL,
                        price         numeric(12, 2) NOT NULL,
                        published     boolean NOT NULL DEFAULT false
                    );
                    """),
        ]
    }
    static var garbage: [GarbageRule] {
        [
            GarbageRule(what: "widgets of old failed jobs", table: "test_widget w") { scope in
                "NOT w.published AND w.import_job_id IN (\(scope.oldFailedJobs))"
            },
        ]
    }

    init(options: ImportOptions) {}

    var strategy: String { "TEST_WIDGETS:sku-hash" }
    var target: String { "widgets" }

    func makeMapper(header: [String]) throws(ImportFailure) -> WidgetMapper { try WidgetMapper(header: header) }

    func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] { [:] }

    func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String {
        "COPY test_widget (import_job_id, line, sku, price) FROM STDIN"
    }

    func encode(_ record: WidgetMapper.Record, line: Int, job: JobContext, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow([String(job.jobId), String(line), record.sku, record.price])
    }

    func endChunk(
        _ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: ChunkEncoding
    ) throws -> ChunkCounts {
        ChunkCounts(writtenRows: copiedRows, stats: ["widgetRows": copiedRows])
    }

    func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue] {
        let published = try connection.query("UPDATE test_widget SET published = true WHERE import_job_id = $1", job.jobId)
        return ["widgets": .int(Int64(published.affectedRows))]
    }
}

/// `SKU,Price` rows: a SKU and a price with at most two decimals.
struct WidgetMapper: RowMapper {
    struct Record {
        var sku: String
        var price: String
    }

    let fieldCount: Int
    private let sku: Int
    private let price: Int

    init(header: [String]) throws(ImportFailure) {
        let lookup = HeaderLookup(header)
        guard let sku = lookup.first("SKU"), let price = lookup.first("Price") else { throw lookup.missing("'SKU' and 'Price'") }
        self.sku = sku
        self.price = price
        fieldCount = header.count
    }

    func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<Record> {
        let sku = record.string(at: f + sku)
        let price = record.string(at: f + price)
        guard !sku.isEmpty else { return .skip(reason: "no SKU") }
        let parts = price.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              parts.count == 1 || (1...2).contains(parts[1].count)
        else { return .reject(reason: "Price '\(price)' is not a price") }
        return .accept(Record(sku: sku, price: price))
    }

    func partitionKey(of record: Record, into hasher: inout FNV1a64) { hasher.combine(record.sku.utf8) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
