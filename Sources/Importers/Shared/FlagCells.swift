/// The `Delete` control column of Golden PETL files (spec §4.1): `Yes`, `Y`, `1` or `true`,
/// case-insensitive and trimmed, marks a row for deletion (merge mode only).
public enum DeleteMark {
    static let marks: Set<String> = ["yes", "y", "1", "true"]

    /// Whether `cell` is a delete mark.
    public static func isMarked(_ cell: String) -> Bool {
        var bytes = Array(cell.utf8)
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        guard bytes.count <= 4 else { return false }
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
        return marks.contains(String(decoding: bytes, as: UTF8.self))
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
}
