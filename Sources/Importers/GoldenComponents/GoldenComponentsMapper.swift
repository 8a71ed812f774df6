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
    /// The highest column the numbers are read from.
    let lastNumberColumn: Int
    /// The highest column the key is taken from.
    let keyColumns: Int
    /// The highest column the planner reads from a row's bytes.
    private let lastPlannedColumn: Int

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
        lastNumberColumn = max(numberColumns.last ?? 0, materialChain.max() ?? 0)
        keyColumns = max(cat ?? 0, sel ?? 0, code ?? 0, componentCode)
        lastPlannedColumn = max(numberColumns.last ?? 0, keyColumns)
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
    ///
    /// Each key cell is checked and hashed in one loop over its bytes: checking the cells
    /// first and hashing them after (through a lazily upper-cased sequence) took 1,275
    /// instructions a row of the planner's pass over a legacy-layout file (callgrind, 100k rows).
    private func keyFromBytes(_ record: borrowing CSVRecord, firstField f: Int, continuing hasher: FNV1a64) -> FNV1a64? {
        guard f + lastPlannedColumn < record.fieldCount else { return nil }
        for column in numberColumns {
            guard record.withField(f + column, { $0.isEmpty || DecimalText.isCanonical($0) }) else { return nil }
        }
        var key = hasher
        var parts = 0
        let clean = forEachKeyPart(record, firstField: f) { part, upperCased in
            if parts > 0 { key.combine(byte: 0x1F) }
            parts += 1
            return upperCased
                ? TextCleaning.isCleanASCII(part) { key.combine(byte: TextCleaning.asciiUppercased($0)) }
                : TextCleaning.isCleanASCII(part) { key.combine(byte: $0) }
        }
        return clean ? key : nil
    }

    /// Calls `part` with the bytes of CAT, SEL and the component code, in that order, as
    /// ``map(_:firstField:)`` takes them (CAT and SEL still to be upper-cased), while the row's
    /// bytes show them. `part` checks that its bytes are clean ASCII (so that cleaning would
    /// not change them) as it takes them, and returns false when they are not; then, or when it
    /// takes mapping to tell, the result is false (`part` may have been called for the first
    /// ones). In the Xactimate layout each of the code's two pieces must be clean, which makes
    /// the whole code clean (a space as its third or fourth byte sends the row to mapping).
    @inline(__always)
    private func forEachKeyPart(
        _ record: borrowing CSVRecord, firstField f: Int, _ part: (UnsafeBufferPointer<UInt8>, _ upperCased: Bool) -> Bool
    ) -> Bool {
        guard let cat, let sel else {
            // The Xactimate layout: the bucket is the first 3 characters of `Code` and the rest.
            guard let code else { return false }
            let split = record.withField(f + code) { bytes -> Bool in
                guard bytes.count >= 4 else { return false }
                return part(UnsafeBufferPointer(rebasing: bytes[0..<3]), true)
                    && part(UnsafeBufferPointer(rebasing: bytes[3...]), true)
            }
            return split && record.withField(f + componentCode) { part($0, false) }
        }
        return record.withField(f + cat) { part($0, true) } && record.withField(f + sel) { part($0, true) }
            && record.withField(f + componentCode) { part($0, false) }
    }

    /// Writes the row's ``ComponentKey`` into `key`, from its bytes, when they show the key
    /// ``map(_:firstField:)`` would give; false when it takes mapping to tell.
    func componentKey(_ record: borrowing CSVRecord, firstField f: Int, into key: inout ComponentKey) -> Bool {
        guard f + keyColumns < record.fieldCount else { return false }
        key.removeAll()
        var index = 0
        return forEachKeyPart(record, firstField: f) { part, upperCased in
            guard TextCleaning.isCleanASCII(part) else { return false }
            key.append(part, upperCased: upperCased, last: index == 2)
            index += 1
            return true
        }
    }

    /// Adds the row's quantity, material, labor and equipment to `sums` from their bytes, as
    /// ``map(_:firstField:)`` reads them (an empty cell as 0, material from the first of its
    /// columns with a number); false, leaving `sums` as it was, when a cell it reads is neither
    /// empty nor canonical (mapping tells then) or a sum would not fit.
    func addNumbers(_ record: borrowing CSVRecord, firstField f: Int, to sums: inout ComponentSums) -> Bool {
        guard f + lastNumberColumn < record.fieldCount else { return false }
        var next = sums
        guard Self.add(record, quantity.map { f + $0 }, to: &next.quantity),
            Self.add(record, labor.map { f + $0 }, to: &next.labor),
            Self.add(record, equipment.map { f + $0 }, to: &next.equipment)
        else { return false }
        for column in materialChain {
            // Empty: the next column of the chain; a number: the material; anything else: mapping.
            let added = record.withField(f + column) { bytes -> Bool? in
                if bytes.isEmpty { return nil }
                return DecimalText.isCanonical(bytes) && next.material.add(bytes: bytes)
            }
            guard let added else { continue }
            guard added else { return false }
            break
        }
        sums = next
        return true
    }

    /// Adds field `index` (none: nothing) to `sum` when it is empty or canonical.
    private static func add(_ record: borrowing CSVRecord, _ index: Int?, to sum: inout DecimalSum) -> Bool {
        guard let index else { return true }
        return record.withField(index) { bytes in
            bytes.isEmpty || (DecimalText.isCanonical(bytes) && sum.add(bytes: bytes))
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
