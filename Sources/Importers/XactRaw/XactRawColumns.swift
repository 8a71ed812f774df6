import IngestCore

/// The columns of an XACT raw file (spec §6.2): each logical field is found through its
/// aliases by lookup key (``CSVHeaderName/lookupKey(_:)``); the first alias present wins,
/// even when its cells are empty.
public struct XactRawColumns: Sendable {
    /// The fields of `raw_xact_row` read from the file, with their aliases in priority order.
    public enum Field: String, CaseIterable, Sendable {
        case groupCode, groupDescription, desc, age, condition, qty, itemAmount, reportedCost, unitCost, unit
        case coverage, activity, workersWage, laborBurden, laborOverhead, material, equipment, marketConditions
        case laborMinimum, salesTax, rcv, life, depreciationType, depreciationAmount, recoverable, acv, tax
        case replaceFlag, cat, sel, owner, originalVendor, sourceName, sourceDate, note1, adjSource

        /// The header names that may hold the field (the first is Xactimate's).
        public var aliases: [String] {
            switch self {
            case .groupCode: ["Group Code", "GroupCode", "Unit Code", "UnitCode"]
            case .groupDescription:
                ["Group Description", "Group Desc", "GroupDescription", "Room", "Room Name", "Room Description"]
            case .desc: ["Desc", "Description", "Item Description"]
            case .age: ["Age"]
            case .condition: ["Condition"]
            case .qty: ["Qty", "Quantity", "QTY"]
            case .itemAmount: ["Item Amount", "ItemAmount", "Line Amount", "Amount"]
            case .reportedCost: ["Reported Cost", "ReportedCost"]
            case .unitCost: ["Unit Cost", "UnitCost", "Unit Price", "UnitPrice"]
            case .unit: ["Unit", "UOM", "U/M"]
            case .coverage: ["Coverage"]
            case .activity: ["Activity"]
            case .workersWage: ["Worker's Wage", "Workers Wage", "Worker Wage"]
            case .laborBurden: ["Labor burden", "Labor Burden"]
            case .laborOverhead: ["Labor Overhead"]
            case .material: ["Material"]
            case .equipment: ["Equipment"]
            case .marketConditions: ["Market Conditions"]
            case .laborMinimum: ["Labor Minimum"]
            case .salesTax: ["Sales Tax", "SalesTax", "Tax"]
            case .rcv: ["RCV"]
            case .life: ["Life"]
            case .depreciationType: ["Depreciation Type", "DepreciationType"]
            case .depreciationAmount: ["Depreciation Amount", "Depreciation"]
            case .recoverable: ["Recoverable"]
            case .acv: ["ACV"]
            case .tax: ["Tax"]
            case .replaceFlag: ["Replace"]
            case .cat: ["Cat", "Category"]
            case .sel: ["Sel", "Selection"]
            case .owner: ["Owner"]
            case .originalVendor: ["Original Vendor", "OriginalVendor"]
            case .sourceName: ["Source Name", "SourceName"]
            case .sourceDate: ["Date"]
            case .note1: ["Note 1", "Note1"]
            case .adjSource: ["ADJ_SOURCE"]
            }
        }
    }

    /// The header, sanitized (``CSVHeaderName/sanitize(_:)``).
    public let names: [String]
    /// Column positions whose sanitized name appears for the first time (a later duplicate
    /// is ignored: the first one wins).
    public let distinct: [Int]
    /// The `#` column (spec §6.2 lineNo rule).
    public let lineNo: Int
    private let positions: [Field: Int]

    public init(header: [String]) {
        let names = header.map(CSVHeaderName.sanitize)
        var seen = Set<String>()
        let distinct = names.indices.filter { seen.insert(names[$0]).inserted }
        self.names = names
        self.distinct = distinct
        var byKey: [String: Int] = [:]
        for index in distinct {
            let key = CSVHeaderName.lookupKey(names[index])
            if byKey[key] == nil { byKey[key] = index }
        }
        var positions: [Field: Int] = [:]
        for field in Field.allCases {
            positions[field] = field.aliases.lazy.compactMap { byKey[CSVHeaderName.lookupKey($0)] }.first
        }
        self.positions = positions
        let keys = distinct.map { ($0, CSVHeaderName.lookupKey(names[$0])) }
        lineNo = keys.first { $0.1 == "#" }?.0
            ?? keys.first { $0.1.contains("#") }?.0
            ?? keys.first { ($0.1.contains("line") && $0.1.contains("no")) || $0.1.contains("line number") }?.0
            ?? 0
    }

    /// The column of `field`, if the file has one.
    public subscript(field: Field) -> Int? { positions[field] }

    /// The sanitized header name of `field`'s column, if any.
    public func name(of field: Field) -> String? { positions[field].map { names[$0] } }

    /// The 12 fields whose raw cells make a line's logical-item signature (spec §6.4).
    public static let signatureFields: [Field] = [
        .groupDescription, .desc, .qty, .itemAmount, .unitCost, .unit, .activity, .salesTax, .rcv, .acv, .cat, .sel,
    ]
}
