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
        if upper.hasPrefix("UNIT") || upper.hasPrefix("UINT"),
            let number = Array(upper.utf8).withUnsafeBufferPointer({ bytes in
                unitDigits(inUpperCased: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
            })
        {
            return "\(upper.prefix(4))_\(number.count == 1 ? "0" + number : number)"
        }
        return String(upper.prefix(7))
    }

    /// Where the number of an upper-cased key is when the key is `UNIT` or `UINT`, an optional
    /// `_`, space or `-`, optional zeros and at least one more digit (the zeros left out); nil
    /// otherwise. ``groupingCode(_:)``'s rule, shared with the XACT raw rows written from bytes.
    static func unitDigits(inUpperCased key: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard key.count > 4, key.starts(with: "UNIT".utf8) || key.starts(with: "UINT".utf8) else { return nil }
        var start = 4
        if key[start] == UInt8(ascii: "_") || key[start] == UInt8(ascii: " ") || key[start] == UInt8(ascii: "-") { start += 1 }
        while start < key.count, key[start] == UInt8(ascii: "0") { start += 1 }
        var end = start
        while end < key.count, key[end] &- 0x30 < 10 { end += 1 }
        return end > start ? start..<end : nil
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
