/// The `Delete` control column of Golden PETL files (spec §4.1): `Yes`, `Y`, `1` or `true`,
/// case-insensitive and trimmed, marks a row for deletion (merge mode only).
public enum DeleteMark {
    static let marks: Set<String> = ["yes", "y", "1", "true"]

    /// Whether `cell` is a delete mark.
    public static func isMarked(_ cell: String) -> Bool {
        marks.contains(flagWord(cell))
    }
}

/// The legacy Yes/No rule (spec §1.4): `yes`/`y` and `no`/`n`, any case, trimmed.
public enum YesNo {
    /// True, false, or nil for anything else (empty included).
    public static func parse(_ text: String) -> Bool? {
        switch flagWord(text) {
        case "yes", "y": true
        case "no", "n": false
        default: nil
        }
    }
}

/// A flag cell as a word to compare: ASCII whitespace trimmed, ASCII letters lower-cased.
func flagWord(_ cell: String) -> String {
    var bytes = Array(cell.utf8)
    while let first = bytes.first, first == 0x20 || (first >= 0x09 && first <= 0x0D) { bytes.removeFirst() }
    while let last = bytes.last, last == 0x20 || (last >= 0x09 && last <= 0x0D) { bytes.removeLast() }
    for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
    return String(decoding: bytes, as: UTF8.self)
}
