public import IngestCore

/// Maps Golden Components rows, both layouts (spec §5.1):
/// - legacy: `Cat, Sel, Activity, Desc, Component Code, Qty, Material, Labor, Equipment`;
/// - current Xactimate export: `Code, Description, …, Quantity, Unit, Unit Price, Total, …`,
///   where the bucket is the first 3 characters of `Code` and the rest.
public struct GoldenComponentsMapper: RowMapper {
    public let fieldCount: Int
    let cat: Int?
    let sel: Int?
    let code: Int?
    let componentCode: Int
    let quantity: Int?
    let materialChain: [Int]
    let labor: Int?
    let equipment: Int?
    let description: Int?
    let names: [String]
    /// Quantity, Labor and Equipment, the columns that must parse.
    let numberColumns: [Int]

    /// Binds the mapper to `header`'s columns.
    /// - Throws: ``ImportFailure/Code/missingColumn`` when no component code column exists,
    ///   or neither `Cat`+`Sel` nor `Code` can give the bucket.
    public init(header: [String]) throws(ImportFailure) {
        let lookup = HeaderLookup(header)
        guard let componentCode = lookup.first("Component Code", "Code", "Component", "Component code") else {
            throw lookup.missing("'Component Code' (or 'Code', 'Component', 'Component code')")
        }
        cat = lookup.first("Cat")
        sel = lookup.first("Sel")
        code = lookup.first("Code")
        guard (cat != nil && sel != nil) || code != nil else {
            throw lookup.missing("'Cat' and 'Sel' (or 'Code')")
        }
        self.componentCode = componentCode
        quantity = lookup.first("Qty", "Quantity")
        materialChain = lookup.all("Material", "Unit Price", "Total")
        labor = lookup.first("Labor")
        equipment = lookup.first("Equipment")
        description = lookup.first("Component Desc", "Description", "Component Description")
        fieldCount = header.count
        names = header
        numberColumns = [quantity, labor, equipment].compactMap { $0 }.sorted()
    }

    /// Rows whose Cat, Sel (or, in the Xactimate layout, Code) and Component Code are clean
    /// ASCII and whose numbers are empty or canonical (nearly every row of a real export) are
    /// answered from their bytes; other rows are mapped. Planning a 1M-row file took 2.8 s (19 MB/s) when
    /// every row was mapped, 0.55 s (98 MB/s) with this (`scripts/bench golden-components`).
    public func plan(_ record: borrowing CSVRecord, firstField f: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        guard let key = keyFromBytes(record, firstField: f, continuing: hasher) else {
            return planByMapping(record, firstField: f, into: &hasher)
        }
        hasher = key
        return .accept(())
    }

    /// `hasher` fed with the key ``partitionKey(of:into:)`` would feed, when the row's bytes
    /// show that ``map(_:firstField:)`` accepts it; nil when it takes mapping to tell.
    private func keyFromBytes(_ record: borrowing CSVRecord, firstField f: Int, continuing hasher: FNV1a64) -> FNV1a64? {
        guard f + max(cat ?? 0, sel ?? 0, code ?? 0, componentCode, numberColumns.last ?? 0) < record.fieldCount else {
            return nil
        }
        for column in numberColumns {
            guard record.withField(f + column, { $0.isEmpty || DecimalText.isCanonical($0) }) else { return nil }
        }
        guard let cat, let sel else {
            // The Xactimate layout: the bucket is the first 3 characters of `Code` and the rest.
            guard let code else { return nil }
            var key = hasher
            let split = record.withField(f + code) { bytes -> Bool in
                guard bytes.count >= 4, TextCleaning.isCleanASCII(bytes) else { return false }
                key.combine(bytes[0..<3].lazy.map(TextCleaning.asciiUppercased))
                key.combine(CollectionOfOne(0x1F))
                key.combine(bytes[3...].lazy.map(TextCleaning.asciiUppercased))
                key.combine(CollectionOfOne(0x1F))
                return true
            }
            guard split, Self.feedClean(record, f + componentCode, upperCased: false, into: &key) else { return nil }
            return key
        }
        var key = hasher
        guard Self.feedClean(record, f + cat, upperCased: true, into: &key) else { return nil }
        key.combine(CollectionOfOne(0x1F))
        guard Self.feedClean(record, f + sel, upperCased: true, into: &key) else { return nil }
        key.combine(CollectionOfOne(0x1F))
        guard Self.feedClean(record, f + componentCode, upperCased: false, into: &key) else { return nil }
        return key
    }

    /// Feeds field `index` to `key` (upper-cased if asked) when it is clean ASCII, so that
    /// cleaning would not change it; false, feeding nothing, otherwise.
    private static func feedClean(_ record: borrowing CSVRecord, _ index: Int, upperCased: Bool, into key: inout FNV1a64) -> Bool {
        record.withField(index) { bytes in
            guard TextCleaning.isCleanASCII(bytes) else { return false }
            if upperCased { key.combine(bytes.lazy.map(TextCleaning.asciiUppercased)) } else { key.combine(bytes) }
            return true
        }
    }

    public func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<GoldenComponentRecord> {
        var bucketCat = cat.map { TextCleaning.keyPart(record.string(at: f + $0)) } ?? ""
        var bucketSel = sel.map { TextCleaning.keyPart(record.string(at: f + $0)) } ?? ""
        if bucketCat.isEmpty || bucketSel.isEmpty {
            guard let code, let cleaned = TextCleaning.clean(record.string(at: f + code)) else {
                return .skip(reason: "no Cat/Sel and no Code to take the bucket from")
            }
            // An ASCII code splits by bytes; others by characters (no grapheme breaking for the
            // common case: it was a tenth of a worker's time on a 1M-row Xactimate file).
            let split: String.Index
            if cleaned.utf8.allSatisfy({ $0 < 0x80 }) {
                guard cleaned.utf8.count >= 4 else { return .skip(reason: "Code '\(cleaned)' is shorter than 4 characters") }
                split = cleaned.utf8.index(cleaned.startIndex, offsetBy: 3)
            } else {
                guard cleaned.count >= 4 else { return .skip(reason: "Code '\(cleaned)' is shorter than 4 characters") }
                split = cleaned.index(cleaned.startIndex, offsetBy: 3)
            }
            bucketCat = TextCleaning.asciiUppercased(String(cleaned[..<split]))
            bucketSel = TextCleaning.asciiUppercased(String(cleaned[split...]))
        }
        guard let componentCode = TextCleaning.clean(record.string(at: f + componentCode)) else {
            return .skip(reason: "empty component code")
        }

        var numbers: [String?] = []
        for column in [quantity, labor, equipment] {
            guard let column else {
                numbers.append(nil)
                continue
            }
            switch DecimalText.parse(record.string(at: f + column)) {
            case .empty: numbers.append(nil)
            case .number(let text): numbers.append(text)
            case .invalid(let why): return .reject(reason: "column '\(names[column])': \(why)")
            }
        }
        // Material falls back to Unit Price, then Total, whenever the value does not parse
        // (spec §5.1, quirk Q8): `12,240.33*` in Total is simply no material.
        var material: String?
        for column in materialChain {
            if case .number(let text) = DecimalText.parse(record.string(at: f + column)) {
                material = text
                break
            }
        }
        return .accept(GoldenComponentRecord(
            cat: bucketCat, sel: bucketSel, componentCode: componentCode,
            description: description.flatMap { TextCleaning.clean(record.string(at: f + $0)) },
            quantity: numbers[0], material: material, labor: numbers[1], equipment: numbers[2]))
    }

    /// FNV-1a 64 of `CAT 0x1F SEL 0x1F componentCode`: every (item, component code) pair
    /// then lives in exactly one chunk, since an item belongs to exactly one CAT/SEL bucket.
    public func partitionKey(of record: GoldenComponentRecord, into hasher: inout FNV1a64) {
        hasher.combine(record.cat.utf8)
        hasher.combine(CollectionOfOne(0x1F))
        hasher.combine(record.sel.utf8)
        hasher.combine(CollectionOfOne(0x1F))
        hasher.combine(record.componentCode.utf8)
    }
}
