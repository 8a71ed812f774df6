public import IngestCore

/// The rows of one chunk file as its transaction reads them, for
/// ``Importer/encodeChunk(job:into:rows:)``: each record with its upload line, and the mapper
/// that turns a record into the importer's row.
///
/// A chunk file holds only rows the planner accepted, each led by its upload line; a row that
/// no longer maps fails the chunk. An importer may read what it needs from a record's bytes
/// and map only some rows (Golden Components maps a row only when it starts a component).
public final class ChunkRows<Mapper: RowMapper> {
    /// The mapper bound to the upload's header.
    public let mapper: Mapper
    /// Where a record's data fields start: the chunk file puts the upload line in front.
    public let firstField = 1
    /// The chunk's index in its job, for errors.
    public let chunk: Int
    private let scanner: () throws -> CSVScanner
    /// The records read so far by the latest pass.
    public private(set) var count = 0

    /// Reads the chunk file that each scanner `scanner` returns scans from its start, mapping
    /// with `mapper`.
    public init(mapper: Mapper, chunk: Int, scanner: @escaping () throws -> CSVScanner) {
        self.scanner = scanner
        self.mapper = mapper
        self.chunk = chunk
    }

    /// Calls `body` with every record of the chunk and its upload line, in file order. Each
    /// call reads the chunk from its start (Golden PETL reads it twice).
    public func forEachRecord(_ body: (borrowing CSVRecord, _ line: Int) throws -> Void) throws {
        count = 0
        try scanner().forEachRecord { record in
            count += 1
            try body(record, Self.line(of: record))
        }
    }

    /// Calls `body` with every mapped row of the chunk and its upload line, in file order.
    public func forEachRow(_ body: (Mapper.Record, _ line: Int) throws -> Void) throws {
        try forEachRecord { record, line in try body(try map(record, line: line), line) }
    }

    /// The mapped row of `record`, from upload line `line`.
    /// - Throws: ``ImportFailure/Code/chunkFailed`` when the planned row no longer maps.
    public func map(_ record: borrowing CSVRecord, line: Int) throws -> Mapper.Record {
        guard case .accept(let mapped) = mapper.map(record, firstField: firstField) else {
            throw ImportFailure(code: .chunkFailed, message: "a planned row no longer maps", line: line, chunk: chunk)
        }
        return mapped
    }

    /// The upload line in front of a chunk record (0 if it is not a number), read from its digits.
    static func line(of record: borrowing CSVRecord) -> Int {
        record.withField(0) { digits in
            guard !digits.isEmpty, digits.count <= 18 else { return 0 }
            var line = 0
            for digit in digits {
                guard digit &- 0x30 < 10 else { return 0 }
                line = line * 10 + Int(digit &- 0x30)
            }
            return line
        }
    }
}
