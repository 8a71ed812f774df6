import IngestCore
import IngestPostgres

/// Writes a Golden PETL chunk's winning row (``RevisionStorage/chunkColumns``) from the record's
/// bytes when they show a common clean row, without the record, the Strings and the raw JSON
/// String that ``GoldenPETLMapper/map(_:firstField:)`` builds: the row is then byte for byte
/// what ``GoldenPETLImporter`` writes for the mapped row. Any other row is left to the mapper.
///
/// Mapping and writing the rows were about two thirds of the agent's 3.3–3.6 CPU seconds for
/// the bench's 500k-row file, on the 2 cores the server's two chunk `COPY`s need.
struct GoldenPETLCopyRow {
    /// How a field's cell becomes its value (``GoldenPETLMapper``'s rules), for a cell the
    /// bytes answer; an empty cell is NULL by every rule.
    enum Rule {
        /// ``TextCleaning/clean(_:)`` of a clean ASCII cell: the cell as it is.
        case text
        /// `Unit Cost`: a plain price (``CopyTextCells/appendPrice(_:to:)``).
        case price
        /// ``ActivityCode/normalize(_:)`` of a clean ASCII cell.
        case activity
        /// A day (``CopyTextCells/date(_:)``).
        case date
    }

    /// The bytes of the last row ``append(_:firstField:line:marks:)`` wrote, line feed included.
    private(set) var bytes: [UInt8] = []
    /// The raw JSON before it is escaped.
    private var scratch: [UInt8] = []
    private let mapper: GoldenPETLMapper
    private let listId: [UInt8]
    /// The columns of ``RevisionStorage/loadedColumns`` from `group_code` to `source_date`, each
    /// with its rule and its column in the file, if the file has one.
    private let cells: [(rule: Rule, column: Int?)]

    /// Rows of `mapper`'s file for the revision `listId` (its id as text).
    init(mapper: GoldenPETLMapper, listId: String) {
        self.mapper = mapper
        self.listId = Array(listId.utf8)
        cells = [
            (.text, mapper.groupCode), (.text, mapper.groupDescription), (.text, mapper.description), (.text, mapper.cat),
            (.text, mapper.sel), (.text, mapper.unit), (.price, mapper.unitCost), (.text, mapper.coverage),
            (.activity, mapper.activity), (.text, mapper.owner), (.text, mapper.sourceVendor), (.date, mapper.date),
        ]
        bytes.reserveCapacity(4096)
        scratch.reserveCapacity(4096)
    }

    /// Makes ``bytes`` the build table row of `record` (its data fields from `f`, from upload
    /// line `line`, its key Delete-marked by `marks` rows of the file) and returns the row's
    /// `Date` (nil when it has none); nil when the bytes do not tell, and the row must be mapped.
    mutating func append(_ record: borrowing CSVRecord, firstField f: Int, line: Int, marks: Int) -> CalendarDate?? {
        bytes.removeAll(keepingCapacity: true)
        // A record with a defect (invalid UTF-8, a stray quote) or a NUL, or short of the
        // header's fields, is mapped: the mapper repairs, rejects or leaves out such cells.
        guard record.issue == nil, !record.containsNUL, f + mapper.fieldCount <= record.fieldCount else { return nil }
        bytes += listId
        bytes.append(0x09)
        CopyTextCells.appendInteger(line, to: &bytes)
        var date: CalendarDate?
        for cell in cells {
            bytes.append(0x09)
            guard let column = cell.column else {
                bytes += CopyTextCells.null
                continue
            }
            let told = record.withField(f + column) { cellBytes -> Bool in
                guard !cellBytes.isEmpty else {
                    bytes += CopyTextCells.null
                    return true
                }
                switch cell.rule {
                case .text:
                    guard TextCleaning.isCleanASCII(cellBytes) else { return false }
                    CopyInWriter.appendTextEscaped(cellBytes, to: &bytes)
                case .price:
                    return CopyTextCells.appendPrice(cellBytes, to: &bytes)
                case .activity:
                    guard TextCleaning.isCleanASCII(cellBytes) else { return false }
                    Self.appendActivity(cellBytes, to: &bytes)
                case .date:
                    switch CopyTextCells.date(cellBytes) {
                    case .unknown: return false
                    case .none: bytes += CopyTextCells.null
                    case .day(let day):
                        day.appendDescription(to: &bytes)
                        date = day
                    }
                }
                return true
            }
            guard told else { return nil }
        }
        bytes.append(0x09)
        scratch.removeAll(keepingCapacity: true)
        _ = JSONEscaping.appendObject(record, firstField: f, columns: mapper.jsonColumns, keys: mapper.jsonKeys, to: &scratch)
        scratch.withUnsafeBufferPointer { CopyInWriter.appendTextEscaped($0, to: &bytes) }
        bytes.append(0x09)
        guard mapper.appendKeyHash(record, firstField: f, to: &bytes) else { return nil }
        bytes.append(0x09)
        CopyTextCells.appendInteger(marks, to: &bytes)
        bytes.append(0x0A)
        return .some(date)
    }

    /// The `Date` of `record` from its bytes (nil when it has none); nil when they do not tell.
    func date(of record: borrowing CSVRecord, firstField f: Int) -> CalendarDate?? {
        guard let column = mapper.date else { return .some(nil) }
        guard record.issue == nil, !record.containsNUL, f + column < record.fieldCount else { return nil }
        return record.withField(f + column) { cell -> CalendarDate?? in
            guard !cell.isEmpty else { return .some(nil) }
            switch CopyTextCells.date(cell) {
            case .unknown: return nil
            case .none: return .some(nil)
            case .day(let day): return .some(day)
            }
        }
    }

    /// ``ActivityCode/normalize(_:)`` of a clean ASCII cell: a code as it is, the code of an
    /// activity word in any case, else the cell.
    private static func appendActivity(_ cell: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        for byte in cell { out.append(TextCleaning.asciiUppercased(byte)) }
        let code = out.withUnsafeBufferPointer { ActivityCode.code(ofWord: UnsafeBufferPointer(rebasing: $0[start...])) }
        out.removeSubrange(start...)
        if let code { out.append(code) } else { CopyInWriter.appendTextEscaped(cell, to: &out) }
    }
}
