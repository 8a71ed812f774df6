public import IngestCore

/// Maps XACT raw rows (spec §6.1–§6.4) through ``XactRawColumns``.
///
/// Text fields are cleaned (`cleanText`; Group Description with key-text cleaning); Group
/// Code becomes its unit grouping code (``UnitGrouping``), the raw value staying in the raw
/// JSON; numbers follow `toNumber` (`$` and `,` stripped) with DESIGN §3's rules; `Life` is
/// a whole number; `Recoverable` and `Replace` are Yes/No; `Date` a calendar date; `Note 1`
/// is cut to 5,000 UTF-16 units as the legacy importer did.
///
/// Rejected, with the reason: a row without a Group Description (it belongs to no room), a
/// number column that holds something else than a number (except `Labor Minimum` and
/// `Tax`, which real exports fill with codes and Yes/No: those read as empty, as in the
/// legacy importer), a `Life` that is not a whole number, a date that is not on the
/// calendar, and a NUL character anywhere.
public struct XactRawMapper: RowMapper {
    public let fieldCount: Int
    let columns: XactRawColumns
    let jsonKeys: [[UInt8]]
    /// The distinct columns, in jsonb's key order (``JSONEscaping/jsonbOrder(_:names:)``).
    let jsonColumns: [Int]
    let groupDescription: Int
    /// The number columns whose cell rejects a row unless it is a number or empty.
    let numberColumns: [Int]
    let life: Int?
    let date: Int?

    /// Binds the mapper to `header`'s columns.
    /// - Throws: ``ImportFailure/Code/malformedFile`` when the header has fewer than two
    ///   columns, ``ImportFailure/Code/missingColumn`` without a Group Description column.
    public init(header: [String]) throws(ImportFailure) {
        columns = XactRawColumns(header: header)
        guard columns.distinct.count > 1 else {
            throw ImportFailure(
                code: .malformedFile,
                message: "XACT_RAW parse produced no usable records: the header has \(columns.distinct.count) column(s) "
                    + "with any of the delimiters tab, comma, semicolon and pipe",
                line: 1)
        }
        guard let groupDescription = columns[.groupDescription] else {
            throw HeaderLookup(columns.names).missing(
                "'Group Description' (or " + XactRawColumns.Field.groupDescription.aliases.dropFirst().map { "'\($0)'" }
                    .joined(separator: ", ") + ")")
        }
        self.groupDescription = groupDescription
        let numbers: [XactRawColumns.Field] = [
            .age, .qty, .itemAmount, .reportedCost, .unitCost, .workersWage, .laborBurden, .laborOverhead, .material,
            .equipment, .marketConditions, .salesTax, .rcv, .depreciationAmount, .acv,
        ]
        var numberColumns: [Int] = []
        for field in numbers { if let column = columns[field] { numberColumns.append(column) } }
        self.numberColumns = numberColumns
        life = columns[.life]
        date = columns[.sourceDate]
        fieldCount = header.count
        jsonKeys = JSONEscaping.keys(columns.names)
        jsonColumns = JSONEscaping.jsonbOrder(columns.distinct, names: columns.names)
    }

    private struct Rejection: Error {
        var reason: String
    }

    /// Rows without a NUL whose Group Description starts with a visible ASCII character, whose
    /// numbers are empty or plain (`$` and `,` allowed), whose Life is a whole number of at most
    /// 9 digits and whose Date is empty or a day (nearly every row of a real export) are
    /// accepted from their bytes, without the raw JSON and record ``map(_:firstField:)``
    /// builds (the rows load in line ranges: no key); other rows are mapped.
    public func plan(_ record: borrowing CSVRecord, firstField f: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        acceptsFromBytes(record, firstField: f) ? .accept(()) : planByMapping(record, firstField: f, into: &hasher)
    }

    /// True when the row's bytes show that ``map(_:firstField:)`` accepts it; false when it
    /// takes mapping to tell.
    private func acceptsFromBytes(_ record: borrowing CSVRecord, firstField f: Int) -> Bool {
        guard f + fieldCount <= record.fieldCount else { return false }
        guard !JSONEscaping.hasNUL(record, firstField: f, columns: columns.distinct) else { return false }
        guard record.withField(f + groupDescription, { $0.first.map { $0 > 0x20 && $0 < 0x7F } ?? false }) else { return false }
        for column in numberColumns {
            guard record.withField(f + column, { $0.isEmpty || DecimalText.isCanonical($0, ignoring: .pricing) }) else { return false }
        }
        if let life {
            guard record.withField(f + life, Self.isWholeYears) else { return false }
        }
        if let date {
            guard record.withField(f + date, { $0.isEmpty || CalendarDate.isDate($0) }) else { return false }
        }
        return true
    }

    /// True when these bytes are empty or `-?digits(.0+)?` with at most 9 digits: a `Life` the
    /// mapper keeps.
    static func isWholeYears(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return true }
        var i = bytes[0] == UInt8(ascii: "-") ? 1 : 0
        let start = i
        while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
        guard (1...9).contains(i - start) else { return false }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            let zeros = i
            while i < bytes.count && bytes[i] == UInt8(ascii: "0") { i += 1 }
            guard i > zeros else { return false }
        }
        return i == bytes.count
    }

    public func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<XactRawRecord> {
        let rawJSON: String
        switch JSONEscaping.object(record, firstField: f, columns: jsonColumns, keys: jsonKeys) {
        case .success(let json): rawJSON = json
        case .failure(let nul):
            return .reject(reason: "column '\(columns.names[nul.column])' contains a NUL character, which PostgreSQL cannot store")
        }

        func raw(_ column: Int?) -> String? {
            guard let column, f + column < record.fieldCount else { return nil }
            return record.string(at: f + column)
        }
        func raw(_ field: XactRawColumns.Field) -> String? { raw(columns[field]) }

        guard let groupDescriptionText = raw(groupDescription).map(TextCleaning.keyText), !groupDescriptionText.isEmpty else {
            return .reject(reason: "column '\(columns.names[groupDescription])' is empty: the line belongs to no room")
        }

        do {
            var values: [String?] = []
            values.reserveCapacity(XactRawColumns.Field.allCases.count)
            for field in XactRawColumns.Field.allCases {
                values.append(try value(of: field, raw: raw(field)))
            }
            let cat = values[XactRawColumns.Field.allCases.firstIndex(of: .cat)!]
            let sel = values[XactRawColumns.Field.allCases.firstIndex(of: .sel)!]
            let desc = values[XactRawColumns.Field.allCases.firstIndex(of: .desc)!]
            let signature = XactRawColumns.signatureFields.map { raw($0) ?? "" }.joined(separator: "|")
            return .accept(XactRawRecord(
                lineNo: Self.lineNumber(raw(columns.lineNo) ?? ""), values: values,
                rawJSON: rawJSON, signatureHash: CanonicalKey.hexSHA256(signature),
                canonicalKeyHash: CanonicalKey.hash(
                    cat: cat, sel: sel, activity: raw(.activity).flatMap(ActivityCode.normalize), description: desc)))
        } catch let rejection as Rejection {
            return .reject(reason: rejection.reason)
        } catch {
            return .reject(reason: "\(error)")
        }
    }

    /// The stored value of `field` from its raw cell.
    private func value(of field: XactRawColumns.Field, raw: String?) throws -> String? {
        guard let raw else { return nil }
        func column() -> String { columns.name(of: field) ?? field.rawValue }
        switch field {
        case .groupCode:
            return UnitGrouping.groupingCode(raw)
        case .groupDescription:
            let text = TextCleaning.keyText(raw)
            return text.isEmpty ? nil : text
        case .desc, .condition, .unit, .coverage, .activity, .cat, .sel, .owner, .originalVendor, .sourceName:
            return TextCleaning.clean(raw)
        case .note1:
            return TextCleaning.clean(raw).map { Self.prefix($0, utf16Units: 5000) }
        case .depreciationType, .adjSource:
            return raw.isEmpty ? nil : raw
        case .laborMinimum, .tax:
            if case .number(let text) = DecimalText.parse(raw) { return text }
            return nil
        case .age, .qty, .itemAmount, .reportedCost, .unitCost, .workersWage, .laborBurden, .laborOverhead, .material,
            .equipment, .marketConditions, .salesTax, .rcv, .depreciationAmount, .acv:
            switch DecimalText.parse(raw) {
            case .empty: return nil
            case .number(let text): return text
            case .invalid(let why): throw Rejection(reason: "column '\(column())': \(why)")
            }
        case .life:
            switch DecimalText.parse(raw, stripping: []) {
            case .empty: return nil
            case .number(let text):
                guard let value = Double(text), value.rounded() == value, abs(value) < 2_147_483_648 else {
                    throw Rejection(reason: "column '\(column())': '\(raw)' is not a whole number of years")
                }
                return String(Int(value))
            case .invalid(let why): throw Rejection(reason: "column '\(column())': \(why)")
            }
        case .recoverable, .replaceFlag:
            return YesNo.parse(raw).map { $0 ? "t" : "f" }
        case .sourceDate:
            switch CalendarDate.parse(raw) {
            case .empty, .unrecognized: return nil
            case .date(let date): return date.description
            case .invalid(let why): throw Rejection(reason: "column '\(column())': \(why)")
            }
        }
    }

    /// The `#` value: commas stripped; a whole number, else 0 (spec §6.2).
    static func lineNumber(_ raw: String) -> Int {
        guard case .number(let text) = DecimalText.parse(raw, stripping: .commas), let value = Double(text),
            value.rounded() == value, abs(value) < 2_147_483_648
        else { return 0 }
        return Int(value)
    }

    /// The first `units` UTF-16 code units of `text` (JavaScript's `slice`), never cutting a
    /// character in two.
    static func prefix(_ text: String, utf16Units units: Int) -> String {
        guard text.utf16.count > units else { return text }
        var count = 0
        var end = text.unicodeScalars.startIndex
        for scalar in text.unicodeScalars {
            let width = scalar.value > 0xFFFF ? 2 : 1
            if count + width > units { break }
            count += width
            end = text.unicodeScalars.index(after: end)
        }
        return String(text.unicodeScalars[..<end])
    }

    /// Rows are loaded in contiguous line ranges: no key needed.
    public func partitionKey(of record: XactRawRecord, into hasher: inout FNV1a64) {}
}
