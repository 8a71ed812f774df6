public import IngestCore

/// Maps Golden PETL rows (spec §4.1): the Xactimate price-list export layout, exact,
/// case-sensitive header names.
///
/// `Cat`, `Sel`, `Desc` (with Activity, the price's identity) and `Unit Cost` are required;
/// `Activity`, `Group Code`, `Group Description`, `Unit`, `Coverage`, `Owner`,
/// `Original Vendor`, `Date` and `Delete` (or `delete`, `DELETE`) are read when present.
/// Older Xactimate exports have neither `Activity` nor `Unit`: as the legacy importer did,
/// their rows read as if those cells were empty (no activity, so the canonical key's
/// activity part is empty). Every column is kept in the raw JSON. Rejects: a `Unit Cost` that is not a number, a `Date` in a date shape that is
/// not a calendar day, and a NUL character anywhere (PostgreSQL text cannot hold it).
public struct GoldenPETLMapper: RowMapper {
    public let fieldCount: Int
    let cat: Int
    let sel: Int
    let activity: Int?
    let description: Int
    let unitCost: Int
    let groupCode: Int?
    let groupDescription: Int?
    let unit: Int?
    let coverage: Int?
    let owner: Int?
    let sourceVendor: Int?
    let date: Int?
    let delete: Int?
    let names: [String]
    /// Each header name as a JSON string followed by `:`, ready to append.
    let jsonKeys: [[UInt8]]
    /// The header's columns, in jsonb's key order (``JSONEscaping/jsonbOrder(_:names:)``).
    let jsonColumns: [Int]

    /// Binds the mapper to `header`'s columns.
    /// - Throws: ``ImportFailure/Code/missingColumn`` naming the first required column absent.
    public init(header: [String]) throws(ImportFailure) {
        let lookup = HeaderLookup(header)
        func required(_ name: String) throws(ImportFailure) -> Int {
            guard let position = lookup.first(name) else { throw lookup.missing("'\(name)'") }
            return position
        }
        cat = try required("Cat")
        sel = try required("Sel")
        activity = lookup.first("Activity")
        description = try required("Desc")
        unitCost = try required("Unit Cost")
        groupCode = lookup.first("Group Code")
        groupDescription = lookup.first("Group Description")
        unit = lookup.first("Unit")
        coverage = lookup.first("Coverage")
        owner = lookup.first("Owner")
        sourceVendor = lookup.first("Original Vendor")
        date = lookup.first("Date")
        delete = lookup.first("Delete", "delete", "DELETE")
        fieldCount = header.count
        names = header
        jsonKeys = JSONEscaping.keys(header)
        jsonColumns = JSONEscaping.jsonbOrder(Array(header.indices), names: header)
    }

    /// Rows without a NUL whose Cat, Sel and Desc are empty or clean ASCII, whose Unit Cost is
    /// empty or a plain price (`$` and `,` allowed) and whose Date is empty or a day (nearly
    /// every row of a real export) are answered from their bytes, without the raw JSON and
    /// record ``map(_:firstField:)`` builds; other rows are mapped. The planner spent 40% of
    /// the CPU of a 500k-row import mapping rows (48 MB/s, `scripts/bench golden-petl`).
    public func plan(_ record: borrowing CSVRecord, firstField f: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        guard keyFromBytes(record, firstField: f, into: &hasher) else {
            return planByMapping(record, firstField: f, into: &hasher)
        }
        return .accept(())
    }

    /// Feeds `hasher` the canonical key hash that ``partitionKey(of:into:)`` feeds, when the
    /// row's bytes show that ``map(_:firstField:)`` accepts the row; false, leaving `hasher`
    /// as it was, when it takes mapping to tell.
    private func keyFromBytes(_ record: borrowing CSVRecord, firstField f: Int, into hasher: inout FNV1a64) -> Bool {
        guard f + fieldCount <= record.fieldCount else { return false }
        guard !JSONEscaping.hasNUL(record, firstField: f, columns: 0..<fieldCount) else { return false }
        guard record.withField(f + unitCost, { $0.isEmpty || DecimalText.isCanonical($0, ignoring: .pricing) }) else { return false }
        if let date {
            guard record.withField(f + date, { $0.isEmpty || CalendarDate.isDate($0) }) else { return false }
        }
        return withKey(record, firstField: f) { CanonicalKey.combineHexSHA256(of: $0, into: &hasher) } != nil
    }

    /// The canonical key of a row the planner accepted, as ``map(_:firstField:)`` hashes it,
    /// from the row's bytes when its key cells are clean ASCII (nearly every row of a real
    /// export), else by mapping the row (the chunk encoder's first pass, ``ChunkWinners``).
    func key(_ record: borrowing CSVRecord, firstField f: Int) -> ChunkWinners.Key? {
        let fromBytes = withKey(record, firstField: f) { key in
            SHA256.withDigest(of: UnsafeRawBufferPointer(key)) { ChunkWinners.Key(digest: $0) }
        }
        if let fromBytes { return fromBytes }
        guard case .accept(let row) = map(record, firstField: f) else { return nil }
        return ChunkWinners.Key(hex: row.canonicalKeyHash)
    }

    /// Appends the canonical key hash (64 lower-case hex digits) as ``map(_:firstField:)``
    /// makes it, from the row's bytes; false when its key cells take mapping to tell
    /// (``GoldenPETLCopyRow``).
    func appendKeyHash(_ record: borrowing CSVRecord, firstField f: Int, to out: inout [UInt8]) -> Bool {
        withKey(record, firstField: f) { CopyTextCells.appendHexSHA256(of: UnsafeRawBufferPointer($0), to: &out) } != nil
    }

    /// Whether the row's `Delete` cell is a delete mark (``DeleteMark``), from its bytes.
    func isDeleteMarked(_ record: borrowing CSVRecord, firstField f: Int) -> Bool {
        guard let delete else { return false }
        return record.withField(f + delete) { DeleteMark.isMarked(bytes: $0) }
    }

    /// Calls `body` with the canonical key (``CanonicalKey/string(cat:sel:activity:description:)``
    /// as UTF-8) built on the stack from the row's bytes, when its key cells tell; nil when
    /// they take mapping to tell (a cell that is not clean ASCII, or a key too long).
    private func withKey<R>(_ record: borrowing CSVRecord, firstField f: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.keyCapacity) { storage in
            var key = KeyBytes(storage)
            guard Self.appendClean(record, f + cat, to: &key), key.append(0x7C), key.append(0x7C),
                Self.appendClean(record, f + sel, to: &key), key.append(0x7C), key.append(0x7C)
            else { return nil }
            if let activity {
                let start = key.count
                if Self.appendClean(record, f + activity, to: &key) {
                    ActivityCode.replaceWordWithCode(in: &key, from: start)
                } else {
                    var part: [UInt8] = []
                    CanonicalKey.appendPart(ActivityCode.normalize(record.string(at: f + activity)), to: &part)
                    guard key.append(contentsOf: part) else { return nil }
                }
            }
            guard key.append(0x7C), key.append(0x7C), Self.appendClean(record, f + description, to: &key) else { return nil }
            return body(key.bytes)
        }
    }

    /// Room for a key built from bytes; a longer key is built by mapping the row.
    private static let keyCapacity = 2048

    /// Appends the key part of field `index` when it is empty (nil to the mapper) or clean
    /// ASCII (cleaning keeps it, the key upper-cases it) and fits; false otherwise.
    private static func appendClean(_ record: borrowing CSVRecord, _ index: Int, to key: inout KeyBytes) -> Bool {
        record.withField(index) { bytes in
            bytes.isEmpty || key.append(cleanASCIIUpperCased: bytes)
        }
    }

    public func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<GoldenPETLRecord> {
        let rawJSON: String
        switch JSONEscaping.object(record, firstField: f, columns: jsonColumns, keys: jsonKeys) {
        case .success(let json): rawJSON = json
        case .failure(let nul):
            return .reject(reason: "column '\(names[nul.column])' contains a NUL character, which PostgreSQL cannot store")
        }

        func text(_ column: Int?) -> String? {
            guard let column, record.withField(f + column, { !$0.isEmpty }) else { return nil }
            return TextCleaning.clean(record.string(at: f + column))
        }

        let unitPrice: String?
        switch DecimalText.parse(record.string(at: f + unitCost), stripping: .pricing) {
        case .empty: unitPrice = nil
        case .number(let value): unitPrice = value
        case .invalid(let why): return .reject(reason: "column '\(names[unitCost])': \(why)")
        }
        var sourceDate: CalendarDate?
        if let date {
            switch CalendarDate.parse(record.string(at: f + date)) {
            case .empty, .unrecognized: sourceDate = nil
            case .date(let value): sourceDate = value
            case .invalid(let why): return .reject(reason: "column '\(names[date])': \(why)")
            }
        }
        let cat = text(cat)
        let sel = text(sel)
        let activity = activity.flatMap { ActivityCode.normalize(record.string(at: f + $0)) }
        let description = text(description)
        return .accept(GoldenPETLRecord(
            cat: cat, sel: sel, activity: activity, description: description, groupCode: text(groupCode),
            groupDescription: text(groupDescription), unit: text(unit), coverage: text(coverage), owner: text(owner),
            sourceVendor: text(sourceVendor), unitPrice: unitPrice, sourceDate: sourceDate,
            deleteMark: delete.map { DeleteMark.isMarked(record.string(at: f + $0)) } ?? false,
            canonicalKeyHash: CanonicalKey.hash(cat: cat, sel: sel, activity: activity, description: description),
            rawJSON: rawJSON))
    }

    /// The canonical key hash: every row of one price lands in one chunk, where the last
    /// row wins by line number. (A plan's chunks must stay what `retry` rewrites them as, so
    /// the key is the hash plans have always used, not the cheaper text it is taken of.)
    public func partitionKey(of record: GoldenPETLRecord, into hasher: inout FNV1a64) {
        hasher.combine(record.canonicalKeyHash.utf8)
    }
}
