public import IngestCore

/// Maps XACT components rows (spec §7.1): exact, case-sensitive header names; `Code` is
/// required, the other columns are read when present.
///
/// Every row becomes one raw row and one summary, even with a blank code (no row is
/// skipped). Rejected, with the reason: a `Quantity` that is not a number (`toNumber`:
/// commas stripped, so `$5` is not one), a `Unit Price` or `Total` that is not money
/// (`moneyToNumber`: `$`, `,`, whitespace and `*` stripped), a NUL character anywhere.
public struct XactComponentsMapper: RowMapper {
    public let fieldCount: Int
    let code: Int
    let description: Int?
    let taxStatus: Int?
    let contractorSupplied: Int?
    let quantity: Int?
    let unit: Int?
    let unitPrice: Int?
    let total: Int?
    let requestThirdPartyPricing: Int?
    let names: [String]
    let jsonKeys: [[UInt8]]

    /// Binds the mapper to `header`'s columns.
    /// - Throws: ``ImportFailure/Code/missingColumn`` without a `Code` column.
    public init(header: [String]) throws(ImportFailure) {
        let lookup = HeaderLookup(header)
        guard let code = lookup.first("Code") else { throw lookup.missing("'Code'") }
        self.code = code
        description = lookup.first("Description")
        taxStatus = lookup.first("Tax Status")
        contractorSupplied = lookup.first("Contractor Supplied")
        quantity = lookup.first("Quantity")
        unit = lookup.first("Unit")
        unitPrice = lookup.first("Unit Price")
        total = lookup.first("Total")
        requestThirdPartyPricing = lookup.first("Request third-party pricing")
        fieldCount = header.count
        names = header
        jsonKeys = JSONEscaping.keys(header)
    }

    /// Rows without a NUL whose Quantity, Unit Price and Total are empty or plain numbers
    /// (as their stripping allows) are accepted from their bytes, without the raw JSON and
    /// record ``map(_:firstField:)`` builds (the rows load in line ranges: no key); other rows
    /// are mapped.
    public func plan(_ record: borrowing CSVRecord, firstField f: Int, into hasher: inout FNV1a64) -> RowResult<Void> {
        acceptsFromBytes(record, firstField: f) ? .accept(()) : planByMapping(record, firstField: f, into: &hasher)
    }

    /// True when the row's bytes show that ``map(_:firstField:)`` accepts it.
    private func acceptsFromBytes(_ record: borrowing CSVRecord, firstField f: Int) -> Bool {
        guard f + fieldCount <= record.fieldCount else { return false }
        guard !JSONEscaping.hasNUL(record, firstField: f, columns: 0..<fieldCount) else { return false }
        for (column, stripping) in [(quantity, .commas), (unitPrice, Self.money), (total, Self.money)] as [(Int?, DecimalText.Stripping)] {
            guard let column else { continue }
            guard record.withField(f + column, { $0.isEmpty || DecimalText.isCanonical($0, ignoring: stripping) }) else { return false }
        }
        return true
    }

    /// `moneyToNumber`'s stripping: `$`, `,`, whitespace and `*`.
    static let money: DecimalText.Stripping = [.commas, .dollars, .asterisksAndSpaces]

    public func map(_ record: borrowing CSVRecord, firstField f: Int) -> RowResult<XactComponentRecord> {
        let rawJSON: String
        switch JSONEscaping.object(record, firstField: f, columns: 0..<fieldCount, keys: jsonKeys) {
        case .success(let json): rawJSON = json
        case .failure(let nul):
            return .reject(reason: "column '\(names[nul.column])' contains a NUL character, which PostgreSQL cannot store")
        }

        func raw(_ column: Int?) -> String? { column.map { record.string(at: f + $0) } }
        func number(_ column: Int?, _ stripping: DecimalText.Stripping) -> Result<String?, Rejection> {
            guard let column else { return .success(nil) }
            switch DecimalText.parse(record.string(at: f + column), stripping: stripping) {
            case .empty: return .success(nil)
            case .number(let text): return .success(text)
            case .invalid(let why): return .failure(Rejection(reason: "column '\(names[column])': \(why)"))
            }
        }
        let money = Self.money
        let parsed: (quantity: String?, unitPrice: String?, total: String?)
        switch (number(quantity, .commas), number(unitPrice, money), number(total, money)) {
        case (.success(let q), .success(let p), .success(let t)): parsed = (q, p, t)
        case (.failure(let r), _, _), (_, .failure(let r), _), (_, _, .failure(let r)): return .reject(reason: r.reason)
        }

        let code = raw(code).flatMap(TextCleaning.clean)
        let description = raw(description).flatMap(TextCleaning.clean)
        let taxStatus = raw(taxStatus).flatMap(TextCleaning.clean)
        let contractorRaw = raw(contractorSupplied)
        let requestRaw = raw(requestThirdPartyPricing)
        return .accept(XactComponentRecord(
            raw: [
                code, description, taxStatus, contractorRaw ?? "", raw(quantity), raw(unit), raw(unitPrice), raw(total),
                requestRaw,
            ],
            rawJSON: rawJSON,
            summary: [
                code ?? "", description, taxStatus, contractorRaw.flatMap(YesNo.parse).map { $0 ? "t" : "f" },
                parsed.quantity, raw(unit).flatMap(TextCleaning.clean), parsed.unitPrice, parsed.total,
                requestRaw.flatMap(YesNo.parse).map { $0 ? "t" : "f" },
            ]))
    }

    struct Rejection: Error {
        var reason: String
    }

    /// Rows are loaded in contiguous line ranges: no key needed.
    public func partitionKey(of record: XactComponentRecord, into hasher: inout FNV1a64) {}
}
