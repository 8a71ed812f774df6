import IngestCore

/// Group Code → unit grouping (spec §6.3): the unit a row belongs to and its label.
public enum UnitGrouping {
    /// The external code of rows without a Group Code (DESIGN §3, Q1: they belong to the
    /// unit labelled ``noUnitLabel``).
    public static let noGroupCode = "__no_group_code__"
    /// The label of the unit of rows without a Group Code.
    public static let noUnitLabel = "(No unit)"

    /// The grouping code of a raw Group Code, or nil when it is empty. `UNIT`/`UINT`
    /// (any case), an optional `_`, space or `-`, optional zeros and a number n > 0 give
    /// `UNIT_nn`/`UINT_nn` (at least two digits), whatever follows; any other code is
    /// upper-cased and cut to 7 characters (`GENERAL_COND` → `GENERAL`, quirk Q2).
    public static func groupingCode(_ raw: String) -> String? {
        let key = TextCleaning.keyText(raw)
        guard !key.isEmpty else { return nil }
        let upper = key.uppercased()
        let bytes = Array(upper.utf8)
        if bytes.count > 4, upper.hasPrefix("UNIT") || upper.hasPrefix("UINT") {
            var i = 4
            if bytes[i] == UInt8(ascii: "_") || bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count, bytes[i] == UInt8(ascii: "0") { i += 1 }
            var digits: [UInt8] = []
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                digits.append(bytes[i])
                i += 1
            }
            if !digits.isEmpty {
                let number = String(decoding: digits, as: UTF8.self)
                return "\(upper.prefix(4))_\(number.count == 1 ? "0" + number : number)"
            }
        }
        return String(upper.prefix(7))
    }

    /// The unit's label: `Unit nn` for `UNIT_nn`/`UINT_nn`, the grouping code itself
    /// otherwise, ``noUnitLabel`` without one.
    public static func label(groupingCode: String?) -> String {
        guard let code = groupingCode else { return noUnitLabel }
        if let number = unitNumber(code) { return "Unit \(number)" }
        return code
    }

    /// The unit's external code: the grouping code, or ``noGroupCode``.
    public static func externalCode(groupingCode: String?) -> String {
        groupingCode ?? noGroupCode
    }

    /// The unpadded label older imports used for a padded one (`Unit 01` → `Unit 1`), if any.
    public static func legacyLabel(of label: String) -> String? {
        guard label.hasPrefix("Unit 0"), label.count > 6 else { return nil }
        return "Unit " + label.dropFirst(6)
    }

    /// The digits of `UNIT_nn` / `UINT_nn` (nothing after them), or nil.
    static func unitNumber(_ code: String) -> Substring? {
        guard code.count > 5, code.hasPrefix("UNIT_") || code.hasPrefix("UINT_") else { return nil }
        let digits = code.dropFirst(5)
        return digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? digits : nil
    }
}
