public import IngestCore
public import IngestPostgres

/// One import type, plugged into the generic pipeline (DESIGN §2).
///
/// The pipeline calls, in order: ``check(_:)`` before the file is read, ``makeMapper(header:)``
/// (header check) during the planner's pass and ``prepare(_:job:)`` after it; then, in each chunk's transaction, ``beginChunk(_:job:)``, ``encodeChunk(job:into:rows:)``
/// (by default ``encode(_:line:job:into:)`` of every row of the chunk) inside one `COPY`, and ``endChunk(_:job:copiedRows:encoding:)``; and at last,
/// in the publishing transaction, ``build(_:job:)`` (what the publish needs and readers do not
/// see yet), ``diff(_:job:)`` (what the publish would change, which the guards of
/// ``PublishPolicy`` check) and ``finalize(_:job:)``, or ``discard(_:job:)`` for a dry
/// run or a held job an operator discards. The pipeline knows nothing else about
/// any one type: a new type is a new folder beside `GoldenComponents/`.
public protocol Importer: Sendable {
    /// The pure row mapper this importer uses.
    associatedtype Mapper: RowMapper
    /// What ``encodeChunk(job:into:rows:)`` tells ``endChunk(_:job:copiedRows:encoding:)`` of
    /// the rows it wrote (default: ``ChunkEncoding``).
    associatedtype Encoding: ChunkEncodingReport = ChunkEncoding

    /// The type, as stored in `import_job.type`.
    var type: ImportType { get }
    /// The chunking strategy, recorded in `meta_json` (e.g. `PRICE_LIST_COMPONENTS:cat-sel-hash`).
    var strategy: String { get }
    /// What the import writes into, for the file identity (type, target, SHA-256).
    var target: String { get }
    /// How the file is read: delimiter, strictness (default: ``CSVDialect/strict``).
    var dialect: CSVDialect { get }
    /// How rows are spread over chunks (default: ``Partitioning/keyHash``).
    var partitioning: Partitioning { get }

    /// Checks the header row and returns a mapper bound to its columns.
    /// - Throws: ``ImportFailure`` naming the missing column and the headers found.
    func makeMapper(header: [String]) throws(ImportFailure) -> Mapper

    /// Read-only checks, before the file is read, of what ``prepare(_:job:)`` will need (the
    /// project, an active Golden list, an estimate version), so that an import that cannot
    /// succeed fails at once. Default: nothing to check.
    func check(_ connection: PostgresConnection) throws

    /// Database work before any chunk exists; returns facts saved in the job's `meta_json`
    /// (under `importer`) and handed back to the later steps in ``JobContext/facts``; those
    /// named in ``JobContext/targetFacts`` are recorded on the job row too.
    func prepare(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue]

    /// Prepares one chunk's load (e.g. a staging table) and returns the `COPY … FROM STDIN`
    /// statement that ``encode(_:line:job:into:)`` feeds.
    func beginChunk(_ connection: PostgresConnection, job: JobContext) throws -> String

    /// Writes one mapped row (from file line `line`), in the format of the chunk's `COPY`.
    func encode(_ record: Mapper.Record, line: Int, job: JobContext, into writer: inout CopyInWriter) throws

    /// Writes the whole chunk into its `COPY` from its `rows`, in file order. Default:
    /// ``encode(_:line:job:into:)`` of each mapped row; an importer may combine rows before
    /// writing them, or read them from their bytes (Golden Components aggregates per component).
    /// Returns what it knows of the rows it wrote (default: nothing).
    func encodeChunk(job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<Mapper>) throws -> Encoding

    /// Turns the chunk's `copiedRows` copied rows into the importer's rows; returns the counts.
    /// `encoding` is what ``encodeChunk(job:into:rows:)`` returned.
    func endChunk(_ connection: PostgresConnection, job: JobContext, copiedRows: Int, encoding: Encoding) throws
        -> ChunkCounts

    /// Builds, from the loaded rows, what publishing needs and readers do not see yet (the
    /// keys and indexes of storage that is not attached), in the publishing transaction before
    /// ``diff(_:job:)``, so that the diff can use them; a job a guard holds keeps them, and
    /// ``finalize(_:job:)`` must not count on them (a job held by an earlier version has none).
    /// Default: nothing.
    func build(_ connection: PostgresConnection, job: JobContext) throws

    /// What publishing the loaded data would change against what is current, read only;
    /// nil when the type has nothing to compare (then only `min_rows` and `publish: manual`
    /// can hold a job). Default: nil.
    func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff?

    /// Follow-up work and the atomic publish; returns the members of `result_json`.
    func finalize(_ connection: PostgresConnection, job: JobContext) throws -> [String: JSONValue]

    /// Removes what the job loaded and never published (its revision, set or version rows),
    /// for a dry run and for a held job that is discarded. Default: nothing (`gc` collects it).
    func discard(_ connection: PostgresConnection, job: JobContext) throws

    /// Serializes publishes (and rollbacks) of what this importer writes into until the
    /// transaction ends. Default: nothing.
    func lockPublishing(_ connection: PostgresConnection) throws

    /// What this type published into its target, newest first (`nexus-ingest history`).
    /// Default: refused (the type keeps no history).
    func history(_ connection: PostgresConnection) throws -> [PublishedVersion]

    /// Makes `version` (one of ``history(_:)``) current instead of `current`, in the caller's
    /// transaction (`nexus-ingest rollback`).
    func makeCurrent(_ connection: PostgresConnection, _ version: PublishedVersion, replacing current: PublishedVersion) throws
}

extension Importer {
    public var dialect: CSVDialect { .strict }
    public var partitioning: Partitioning { .keyHash }
    public func check(_ connection: PostgresConnection) throws {}
    public func build(_ connection: PostgresConnection, job: JobContext) throws {}
    public func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff? { nil }
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {}
    public func lockPublishing(_ connection: PostgresConnection) throws {}
    public func history(_ connection: PostgresConnection) throws -> [PublishedVersion] {
        throw ImportFailure(code: .precondition, message: "\(type.cliName) keeps no history of what it published")
    }
    public func makeCurrent(_ connection: PostgresConnection, _ version: PublishedVersion, replacing current: PublishedVersion) throws {
        throw ImportFailure(code: .precondition, message: "\(type.cliName) cannot roll back")
    }
}

extension Importer where Encoding == ChunkEncoding {
    public func encodeChunk(job: JobContext, into writer: inout CopyInWriter, rows: ChunkRows<Mapper>) throws -> ChunkEncoding {
        try rows.forEachRow { record, line in try encode(record, line: line, job: job, into: &writer) }
        return ChunkEncoding()
    }
}

/// How the planner assigns accepted rows to chunks.
public enum Partitioning: Sendable, Equatable {
    /// By ``RowMapper/partitionKey(of:into:)``: rows with equal keys meet in one chunk.
    case keyHash
    /// Contiguous line ranges of about equal size, in file order (no key is needed).
    case lineRange
}

/// Maps raw CSV fields to a typed record, or says why a row cannot be used. Pure: no I/O.
public protocol RowMapper: Sendable {
    /// A mapped row.
    associatedtype Record

    /// The number of fields a row must have (the header's field count).
    var fieldCount: Int { get }

    /// Maps a record whose data fields start at `firstField` (chunk files put the original
    /// line number in front).
    func map(_ record: borrowing CSVRecord, firstField: Int) -> RowResult<Record>

    /// Feeds the record's partition key to `hasher`; rows with equal keys land in one chunk.
    func partitionKey(of record: Record, into hasher: inout FNV1a64)

    /// The planner's question: the row's verdict and, for an accepted row, its partition key
    /// fed to `hasher`, without keeping the record. The answer must be the one
    /// ``map(_:firstField:)`` and ``partitionKey(of:into:)`` give; the default asks them, and a
    /// mapper may answer common rows from their bytes.
    func plan(_ record: borrowing CSVRecord, firstField: Int, into hasher: inout FNV1a64) -> RowResult<Void>
}

extension RowMapper {
    public func plan(_ record: borrowing CSVRecord, firstField: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        planByMapping(record, firstField: firstField, into: &hasher)
    }

    /// ``plan(_:firstField:into:)`` by mapping the row.
    public func planByMapping(_ record: borrowing CSVRecord, firstField: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        switch map(record, firstField: firstField) {
        case .accept(let mapped):
            partitionKey(of: mapped, into: &hasher)
            return .accept(())
        case .skip(let reason): return .skip(reason: reason)
        case .reject(let reason): return .reject(reason: reason)
        }
    }
}

/// What a mapper made of one row.
public enum RowResult<Record> {
    /// A usable row.
    case accept(Record)
    /// A row the import ignores by design (the legacy importers skip it silently); counted.
    case skip(reason: String)
    /// A bad row: reported in the rejects file with this reason.
    case reject(reason: String)
}

/// What an importer's ``Importer/encodeChunk(job:into:rows:)`` tells of the rows it wrote into a
/// chunk's `COPY`: to its ``Importer/endChunk(_:job:copiedRows:encoding:)``, and to the chunk's
/// worker when the `COPY` fails on a row.
public protocol ChunkEncodingReport: Sendable {
    /// The upload line of the `number`-th row (from 1) the encoder wrote into the `COPY`; nil
    /// when the encoder does not keep it and the worker takes the line of the chunk's
    /// `number`-th record.
    func uploadLine(ofCopyRow number: Int) -> Int?
}

/// What an importer's ``Importer/encodeChunk(job:into:rows:)`` knows of the rows it wrote
/// into a chunk's `COPY`, handed to its ``Importer/endChunk(_:job:copiedRows:encoding:)`` so that
/// the chunk's statement can take a cheaper way when it may.
public struct ChunkEncoding: ChunkEncodingReport, Equatable {
    /// True when no two written rows share the key the importer's chunk statement groups by;
    /// false when some do, or when the encoder does not know.
    public var distinctKeys: Bool

    public init(distinctKeys: Bool = false) {
        self.distinctKeys = distinctKeys
    }

    /// Not kept: the worker reads the line of the chunk's record.
    public func uploadLine(ofCopyRow number: Int) -> Int? { nil }
}

/// Counts one chunk's load reports; stored on its `import_chunk` row.
public struct ChunkCounts: Sendable, Equatable {
    /// Rows written into the importer's tables.
    public var writtenRows: Int
    /// Importer-specific counters (e.g. `unmatchedRows`), summed over chunks in finalize.
    public var stats: [String: Int]

    public init(writtenRows: Int, stats: [String: Int] = [:]) {
        self.writtenRows = writtenRows
        self.stats = stats
    }
}

/// What the importer's database steps know about their job, as the job ledger hands it to them
/// (importers never read `import_job` or `import_chunk` themselves).
public struct JobContext: Sendable {
    /// The `import_job.id`.
    public var jobId: Int64
    /// The facts ``Importer/prepare(_:job:)`` returned.
    public var facts: [String: JSONValue]
    /// Statistics of the plan (`dataRows`, `rejectedRows`, `skippedRows`, …).
    public var plan: [String: Int]
    /// The file's header row, as read (empty before planning has read it).
    public var header: [String]
    /// The delimiter the file was read with.
    public var delimiter: CSVDelimiter
    /// Who started the import (`agent:HOST`, `cli:USER`).
    public var createdBy: String?
    /// The upload's path and file name, and its size in bytes.
    public var csvPath: String?
    public var fileName: String?
    public var fileSize: Int64?
    /// The company the job belongs to, once ``Importer/prepare(_:job:)`` bound it to one
    /// (``JobContext/targetFacts``).
    public var companyId: Int64?
    /// The number of chunks of the plan (0 before it is recorded).
    public var chunkCount: Int
    /// The chunks' ``ChunkCounts/stats``, summed over the job (filled for finalize).
    public var chunkStats: [String: Int]
    /// How often readers of the job's progress look (the status file's rewrite interval): a
    /// chunk's encoder that holds rows back sends them at least twice as often, so that every
    /// rewrite sees its COPY move.
    public var progressInterval: Duration

    /// The facts of ``Importer/prepare(_:job:)`` that the ledger records on the job itself: the
    /// project, company and estimate version it works on.
    public static let targetFacts = ["projectId", "companyId", "estimateVersionId"]

    public init(
        jobId: Int64, facts: [String: JSONValue] = [:], plan: [String: Int] = [:], header: [String] = [],
        delimiter: CSVDelimiter = .comma, createdBy: String? = nil, csvPath: String? = nil, fileName: String? = nil,
        fileSize: Int64? = nil, companyId: Int64? = nil, chunkCount: Int = 0, chunkStats: [String: Int] = [:],
        progressInterval: Duration = .milliseconds(1000)
    ) {
        self.jobId = jobId
        self.facts = facts
        self.plan = plan
        self.header = header
        self.delimiter = delimiter
        self.createdBy = createdBy
        self.csvPath = csvPath
        self.fileName = fileName
        self.fileSize = fileSize
        self.companyId = companyId
        self.chunkCount = chunkCount
        self.chunkStats = chunkStats
        self.progressInterval = progressInterval
    }

    /// Fact `key` as an integer id.
    public func id(_ key: String) throws(ImportFailure) -> Int64 {
        guard let value = facts[key]?.intValue else {
            throw ImportFailure(code: .internalError, message: "job \(jobId) has no '\(key)' in its plan")
        }
        return Int64(value)
    }
}
