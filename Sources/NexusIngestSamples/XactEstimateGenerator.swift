/// A deterministic Xactimate estimate and its components export, of any size, for tests and
/// `scripts/bench` (spec §10.3–§10.4 layouts).
///
/// Lines spread over `units` units (`UNIT_nn_BLDG`; the last two are `GENERAL_COND` and no
/// Group Code at all) with `roomsPerUnit` rooms each, and over a pool of `cats` × `sels`
/// Cat/Sel pairs (default 100 × 100); amounts are whole cents. One Cat (`QQZ`) has only zero-weight lines. Components
/// mostly name a Cat/Sel the estimate has; one in 1,000 names only a Cat (category fallback);
/// two start with a digit (global fallback), and so does one in every `globalEvery` when it is given (an
/// allocation-heavy export: each of those is spread over every SOW item of the version).
public struct XactEstimateGenerator: Sendable {
    /// One estimate line.
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var groupCode: String
        public var room: String
        public var cat: String
        public var sel: String
        public var activity: String
        public var description: String
        public var unit: String
        /// Cents (qty in hundredths).
        public var qtyHundredths: Int
        public var unitCostCents: Int
        public var itemAmountCents: Int
        /// nil: the RCV cell is empty (the item amount weighs).
        public var rcvCents: Int?
    }

    /// One component row.
    public struct Component: Sendable, Equatable {
        public var code: String
        public var quantityThousandths: Int
        public var unitPriceCents: Int
        public var totalCents: Int
    }

    public let lines: [Line]
    public let components: [Component]
    /// The unit grouping codes in use, in unit order.
    public let groupCodes: [String]

    public static let header = [
        "#", "Group Code", "Group Description", "Desc", "Age", "Condition", "Qty", "Item Amount", "Reported Cost",
        "Unit Cost", "Unit", "Coverage", "Activity", "Worker's Wage", "Labor burden", "Labor Overhead", "Material",
        "Equipment", "Market Conditions", "Labor Minimum", "Sales Tax", "RCV", "Life", "Depreciation Type",
        "Depreciation Amount", "Recoverable", "ACV", "Tax", "Replace", "Cat", "Sel", "Owner", "Original Vendor",
        "Source Name", "Date", "Note 1", "ADJ_SOURCE",
    ]
    public static let componentsHeader = [
        "Code", "Description", "Tax Status", "Contractor Supplied", "Quantity", "Unit", "Unit Price", "Total",
        "Request third-party pricing",
    ]

    public init(
        lines lineCount: Int, units: Int = 40, roomsPerUnit: Int = 10, components componentCount: Int, cats: Int = 100,
        sels: Int = 100, globalEvery: Int? = nil, seed: UInt64 = 7
    ) {
        var random = SplitMix64(seed: seed)
        let letters = Array("ABCDEFGHIJKLMNOPRSTUVWXY")
        func cat(_ i: Int) -> String { "C" + String(letters[i / letters.count % letters.count]) + String(letters[i % letters.count]) }
        let activities = ["Replace", "Remove", "Remove and Replace", "Reset", "Detach & Reset", "+", "-"]
        let unitNames = ["SF", "LF", "EA", "HR", "DA", "SY"]
        var groupCodes: [String] = []
        for u in 1...max(units, 3) {
            if u == max(units, 3) { groupCodes.append("") }
            else if u == max(units, 3) - 1 { groupCodes.append("GENERAL_COND") }
            else { groupCodes.append("UNIT_\(u < 10 ? "0" : "")\(u)_BLDG") }
        }
        self.groupCodes = groupCodes

        var lines: [Line] = []
        lines.reserveCapacity(lineCount)
        for n in 1...max(lineCount, 1) {
            let unit = Int(random.next() % UInt64(groupCodes.count))
            let room = Int(random.next() % UInt64(roomsPerUnit))
            let zero = n % 997 == 0
            let c = zero ? "QQZ" : cat(Int(random.next() % UInt64(min(cats, 576))))
            let s = zero ? "Z\(n % 3)" : "S\(random.next() % UInt64(sels))"
            let qty = Int(1 + random.next() % 50_000)
            let cost = Int(1 + random.next() % 20_000)
            let amount = zero ? 0 : qty * cost / 100
            let rcv: Int? = zero ? 0 : (n % 7 == 0 ? nil : amount + amount / 20)
            lines.append(Line(
                number: n, groupCode: groupCodes[unit], room: "Room \(room + 1) - \(unit + 1)", cat: c, sel: s,
                activity: activities[n % activities.count],
                description: "\(c) \(s) item, \"grade \(n % 5)\"; line \(n)",
                unit: unitNames[n % unitNames.count], qtyHundredths: qty, unitCostCents: cost, itemAmountCents: amount,
                rcvCents: rcv))
        }
        self.lines = Array(lines.prefix(lineCount))

        var components: [Component] = []
        components.reserveCapacity(componentCount)
        for i in 0..<componentCount {
            let line = lines[Int(random.next() % UInt64(lines.count))]
            let code: String
            if let every = globalEvery, i % every == every - 1 { code = "9G\(i)" }
            else if i % 25_000 == 3 && i < 50_000 { code = "9\(i)X" }
            else if i == 5 { code = "QQZX" }
            else if i % 1000 == 1 { code = line.cat + "NOSUCH" }
            else { code = line.cat + line.sel }
            let quantity = Int(1 + random.next() % 100_000)
            let price = Int(1 + random.next() % 100_000)
            components.append(Component(
                code: code, quantityThousandths: quantity, unitPriceCents: price, totalCents: quantity * price / 1000))
        }
        self.components = components
    }

    /// The estimate export as bytes, with `delimiter` (`,`, tab, `;` or `|`) and CRLF line ends.
    public func estimateCSV(delimiter: UInt8 = UInt8(ascii: ",")) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.count * 260)
        CSVText.appendRow(Self.header, delimiter: delimiter, to: &out)
        for line in lines {
            let qty = Money.text(line.qtyHundredths)
            CSVText.appendRow([
                line.number >= 1000 ? Money.grouped(line.number) : String(line.number), line.groupCode, line.room,
                line.description, "0", "Average", qty, Money.text(line.itemAmountCents), "0",
                Money.text(line.unitCostCents), line.unit, "Dwelling", line.activity, "1.25", "0.50", "0.75", "0.00", "0.00",
                "0.00", "WTRMN-A", "0.00", line.rcvCents.map { "$" + Money.grouped(cents: $0) } ?? "", String(line.number % 30),
                "Age/Condition", "0.00", line.number % 2 == 0 ? "Yes" : "No", line.rcvCents.map { Money.text($0) } ?? "", "Yes",
                "No", line.cat, line.sel, "GEN", "", "Price List Item", "3/14/25", line.number % 11 == 0 ? "note \(line.number)" : "",
                "",
            ], delimiter: delimiter, to: &out)
        }
        return out
    }

    /// The components export as bytes (comma-delimited, the Xactimate layout).
    public func componentsCSV() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(components.count * 90)
        CSVText.appendRow(Self.componentsHeader, delimiter: UInt8(ascii: ","), to: &out)
        for (i, component) in components.enumerated() {
            CSVText.appendRow([
                component.code, "Component \(component.code), part \(i % 13)", i % 3 == 0 ? "Non-taxable" : "Taxable",
                i % 4 == 0 ? "No" : "Yes", Money.text(thousandths: component.quantityThousandths), "EA",
                "$" + Money.grouped(cents: component.unitPriceCents),
                Money.grouped(cents: component.totalCents) + (i % 5 == 0 ? "*" : ""), i % 6 == 0 ? "No" : "",
            ], delimiter: UInt8(ascii: ","), to: &out)
        }
        return out
    }
}

/// Decimal text of whole cents and thousandths.
public enum Money {
    /// `1234` → `12.34`.
    public static func text(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        return "\(sign)\(value / 100).\(value % 100 < 10 ? "0" : "")\(value % 100)"
    }

    /// `123456` → `1,234.56`.
    public static func grouped(cents: Int) -> String {
        let whole = grouped(cents / 100)
        return "\(whole).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    }

    /// `1234567` → `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// `1500` → `1.5` (thousandths, trailing zeros dropped).
    public static func text(thousandths: Int) -> String {
        var fraction = String(thousandths % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(thousandths / 1000) : "\(thousandths / 1000).\(fraction)"
    }
}

/// Writes CSV rows, quoting where needed (RFC 4180).
public enum CSVText {
    public static func appendRow(_ fields: [String], delimiter: UInt8, to out: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(delimiter) }
            let bytes = Array(field.utf8)
            if bytes.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out.append(0x22)
                for byte in bytes {
                    if byte == 0x22 { out.append(0x22) }
                    out.append(byte)
                }
                out.append(0x22)
            } else {
                out += bytes
            }
        }
        out += [0x0D, 0x0A]
    }
}

/// A small, fast, deterministic generator (SplitMix64).
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
