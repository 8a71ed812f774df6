public import IngestCore
import IngestPostgres

/// One thing an import type published, as `nexus-ingest history` lists it and `rollback`
/// makes current again: a Golden revision, a Golden component set, an estimate version, or an
/// estimate's component set (one XACT components job).
public struct PublishedVersion: Sendable, Equatable {
    /// The row that is the version (`price_list.id`, `price_list_component_set.id`,
    /// `estimate_version.id`, or the XACT components job's id).
    public var id: Int64
    /// What an operator calls it (`revision 4`, `component set 12`, `estimate version 7`, …).
    public var label: String
    /// The job that published it (nil for data loaded before nexus-ingest).
    public var job: Int64?
    public var file: String?
    public var sha256: String?
    /// Items, components or rows it holds.
    public var rows: Int
    /// When it was published, RFC 3339 UTC.
    public var publishedAt: String?
    /// Whether readers see it now.
    public var isCurrent: Bool
    /// Whether a rollback took it back (estimate versions; it can be brought back with `--to`).
    public var isWithdrawn: Bool
    /// Whether it counts only if its job SUCCEEDED (a type whose own rows cannot tell a
    /// published version from one still loading); the ledger drops the others.
    public var needsPublishedJob = false

    public init(
        id: Int64, label: String, job: Int64?, file: String?, sha256: String?, rows: Int, publishedAt: String?, isCurrent: Bool,
        isWithdrawn: Bool = false
    ) {
        self.id = id
        self.label = label
        self.job = job
        self.file = file
        self.sha256 = sha256
        self.rows = rows
        self.publishedAt = publishedAt
        self.isCurrent = isCurrent
        self.isWithdrawn = isWithdrawn
    }

    /// The version as `history --json` and a rollback job's `result_json` write it.
    public var json: JSONValue {
        [
            "id": .int(id), "label": .string(label), "job": job.map { .int($0) } ?? .null,
            "file": file.map { .string($0) } ?? .null, "sha256": sha256.map { .string($0) } ?? .null,
            "rows": .int(Int64(rows)), "publishedAt": publishedAt.map { .string($0) } ?? .null,
            "current": .bool(isCurrent), "withdrawn": .bool(isWithdrawn),
        ]
    }

    /// A version from a row of (id, label, job, file, rows, published at, current, withdrawn),
    /// the columns every importer's history query returns (file and time may be NULL); the
    /// ledger adds the job's file, checksum and (when the row has none) the time it finished.
    init(row: PostgresRow) throws {
        self.init(
            id: try row.require(0), label: try row.require(1), job: try row.decode(2), file: row[3], sha256: nil,
            rows: try row.require(4), publishedAt: row[5], isCurrent: try row.require(6), isWithdrawn: try row.require(7))
    }

    /// SQL for a timestamptz `column` as RFC 3339 UTC text with milliseconds.
    static func timestamp(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }
}
