import IngestCore

/// The `Delete` control column of Golden PETL files (spec §4.1): `Yes`, `Y`, `1` or `true`,
/// case-insensitive and trimmed, marks a row for deletion (merge mode only).
public enum DeleteMark {
    static let marks = ["yes", "y", "1", "true"]

    /// Whether `cell` is a delete mark.
    public static func isMarked(_ cell: String) -> Bool {
        var cell = cell
        return cell.withUTF8(isMarked(bytes:))
    }

    /// ``isMarked(_:)`` of a cell's UTF-8 bytes, without a String (Golden PETL's chunk encoder).
    static func isMarked(bytes cell: UnsafeBufferPointer<UInt8>) -> Bool {
        let word = flagWord(bytes: cell)
        return marks.contains { word.elementsEqual($0.utf8) }
    }
}

/// The legacy Yes/No rule (spec §1.4): `yes`/`y` and `no`/`n`, any case, trimmed.
public enum YesNo {
    /// True, false, or nil for anything else (empty included).
    public static func parse(_ text: String) -> Bool? {
        var text = text
        return text.withUTF8(parse(bytes:))
    }

    /// ``parse(_:)`` of a cell's UTF-8 bytes, without a String (XACT raw's rows from bytes).
    static func parse(bytes cell: UnsafeBufferPointer<UInt8>) -> Bool? {
        let word = flagWord(bytes: cell)
        if word.elementsEqual("yes".utf8) || word.elementsEqual("y".utf8) { return true }
        if word.elementsEqual("no".utf8) || word.elementsEqual("n".utf8) { return false }
        return nil
    }
}

/// A flag cell's UTF-8 bytes as a word to compare: ASCII whitespace trimmed, ASCII letters
/// lower-cased as they are read.
func flagWord(bytes cell: UnsafeBufferPointer<UInt8>) -> LazyMapSequence<Slice<UnsafeBufferPointer<UInt8>>, UInt8> {
    var start = 0, end = cell.count
    while start < end, DecimalText.isSpace(cell[start]) { start += 1 }
    while end > start, DecimalText.isSpace(cell[end - 1]) { end -= 1 }
    return cell[start..<end].lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
}
