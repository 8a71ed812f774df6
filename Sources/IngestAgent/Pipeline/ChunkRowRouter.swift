import Importers
import IngestCore

/// The planner's work on each data row of a pass (DESIGN §1.3): the row's verdict from the
/// mapper, the chunk its partition key or line range selects, and its bytes, prefixed with its
/// line number, appended to that chunk's file under `spool/tmp/<job>/`.
///
/// Not generic, on purpose. The pass is generic over the importer, but the agent knows its
/// importer only at run time (it opens an `any Importer`), and generic code that is not
/// specialized copied the mapper at every row (a retain and a release of each of its arrays,
/// 11% of a Golden Components pass's samples). Here the mapper is an existential called in
/// place, and the counters are plain memory.
final class ChunkRowRouter {
    private let mapper: any RowMapper
    private let fieldCount: Int
    private let dialect: CSVDialect
    private let partitioning: Partitioning
    private let partitionFunction: PartitionFunction
    private let partitions: Int
    private let fileSize: Int64
    private let delimiter: UInt8
    private let directory: String
    private let job: Int64
    private let keep: (Int) -> Bool
    private let rejects: RejectsWriter?
    /// Each chunk's file once it has a row, unretained (a retain and a release per row were 7%
    /// of a pass); `files` holds them.
    private let writers: UnsafeMutablePointer<Unmanaged<BufferedFileWriter>?>
    private var files: [BufferedFileWriter] = []
    private let rows: UnsafeMutablePointer<Int>
    private let bytes: UnsafeMutablePointer<Int64>
    /// Rows rejected so far.
    private(set) var rejected = 0
    /// Rows the mapper skipped so far.
    private(set) var skipped = 0

    /// A router for rows that `mapper` reads, into `partitions` chunk files of `job` in
    /// `directory` (those whose index `keep` accepts), rejects reported to `rejects`.
    init(
        mapper: any RowMapper, dialect: CSVDialect, partitioning: Partitioning, partitionFunction: PartitionFunction,
        partitions: Int, fileSize: Int64, delimiter: CSVDelimiter, directory: String, job: Int64,
        keep: @escaping (Int) -> Bool, rejects: RejectsWriter?
    ) {
        self.mapper = mapper
        self.fieldCount = mapper.fieldCount
        self.dialect = dialect
        self.partitioning = partitioning
        self.partitionFunction = partitionFunction
        self.partitions = partitions
        self.fileSize = max(fileSize, 1)
        self.delimiter = delimiter.rawValue
        self.directory = directory
        self.job = job
        self.keep = keep
        self.rejects = rejects
        writers = .allocate(capacity: partitions)
        writers.initialize(repeating: nil, count: partitions)
        files.reserveCapacity(partitions)
        rows = .allocate(capacity: partitions)
        rows.initialize(repeating: 0, count: partitions)
        bytes = .allocate(capacity: partitions)
        bytes.initialize(repeating: 0, count: partitions)
    }

    deinit {
        writers.deallocate()
        rows.deallocate()
        bytes.deallocate()
    }

    /// Routes one data row that starts at byte `position` of the file (line ends counted as
    /// one byte).
    func route(_ record: borrowing CSVRecord, at position: Int64) throws {
        var hasher = FNV1a64()
        let result: RowResult<Void>
        if let issue = record.issue, !dialect.tolerates(issue) {
            result = .reject(reason: issue.description)
        } else if !dialect.relaxedColumnCount, record.fieldCount != fieldCount {
            result = .reject(reason: "expected \(fieldCount) fields, found \(record.fieldCount)")
        } else {
            result = mapper.plan(record, firstField: 0, into: &hasher)
        }
        switch result {
        case .accept:
            let index = switch partitioning {
            case .keyHash: partitionFunction.partition(hasher.value, count: partitions)
            case .lineRange: min(partitions - 1, Int(position * Int64(partitions) / fileSize))
            }
            guard keep(index) else { return }
            try append(record, to: index)
        case .skip:
            skipped += 1
        case .reject(let reason):
            rejected += 1
            try record.withRawBytes { raw in try rejects?.reject(line: record.line, reason: reason, raw: raw) }
        }
    }

    /// Appends `line,<the row's bytes>\n` to chunk `index`'s file, created on its first row.
    private func append(_ record: borrowing CSVRecord, to index: Int) throws {
        if writers[index] == nil {
            let file = try BufferedFileWriter(
                path: "\(directory)/\(Spool.chunkFileName(job: job, index: index))", mode: 0o600, startsWriteback: true)
            files.append(file)
            writers[index] = Unmanaged.passUnretained(file)
        }
        let line = record.line
        let file = writers[index]!
        let written = try record.withRawBytes { raw in
            try file._withUnsafeGuaranteedRef { writer in try writer.writeRow(number: line, separator: delimiter, raw) }
        }
        rows[index] += 1
        bytes[index] += Int64(written)
    }

    /// Closes and fsyncs every chunk file; returns the indexes of the chunks that have rows,
    /// in order.
    func closeChunks() throws -> [Int] {
        var written: [Int] = []
        for index in 0..<partitions {
            guard let writer = writers[index]?.takeUnretainedValue() else { continue }
            try writer.close(sync: true)
            written.append(index)
        }
        return written
    }

    /// Rows written into each chunk.
    var rowCounts: [Int] { Array(UnsafeBufferPointer(start: rows, count: partitions)) }
    /// Bytes written into each chunk.
    var byteCounts: [Int64] { Array(UnsafeBufferPointer(start: bytes, count: partitions)) }
}
