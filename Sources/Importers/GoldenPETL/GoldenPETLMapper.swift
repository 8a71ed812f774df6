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
    }

    public func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<GoldenPETLRecord> {
        let rawJSON: String
        switch JSONEscaping.object(record, firstField: f, columns: 0..<fieldCount, keys: jsonKeys) {
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
    /// row wins by line number.
    public func partitionKey(of record: GoldenPETLRecord, into hasher: inout FNV1a64) {
        hasher.combine(record.canonicalKeyHash.utf8)
    }
}
