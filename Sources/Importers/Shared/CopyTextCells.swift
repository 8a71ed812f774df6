import IngestCore
import IngestPostgres

/// Cells of a chunk row's `COPY` text written from the record's bytes, as the byte paths of
/// ``XactRawCopyRow`` and ``GoldenPETLCopyRow`` write them: each is what the mapped value's
/// `COPY` text would be, or the bytes do not tell and the row is mapped.
enum CopyTextCells {
    /// The `COPY` text of SQL NULL.
    static let null: [UInt8] = [0x5C, 0x4E]

    /// What a `Date` cell holds, by ``CalendarDate/parse(_:)``'s rules.
    enum DateCell {
        /// The bytes do not tell (a space at either end, or a day that does not exist, which
        /// mapping rejects).
        case unknown
        /// In no date shape: NULL (the legacy importers stored NULL; an empty cell is NULL too).
        case none
        /// A calendar day.
        case day(CalendarDate)
    }

    /// The date of a non-empty cell.
    static func date(_ cell: UnsafeBufferPointer<UInt8>) -> DateCell {
        guard !DecimalText.isSpace(cell[0]), !DecimalText.isSpace(cell[cell.count - 1]) else { return .unknown }
        guard let (year, month, day) = CalendarDate.fields(cell) else { return .none }
        guard let date = CalendarDate(year: year, month: month, day: day) else { return .unknown }
        return .day(date)
    }

    /// Appends a non-empty cell that is a plain price (``DecimalText/isCanonical(_:ignoring:)``,
    /// `$` and `,` allowed) without its `$` and `,`: ``DecimalText/parse(_:stripping:)``'s
    /// number; false for any other cell.
    static func appendPrice(_ cell: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard DecimalText.isCanonical(cell, ignoring: .pricing) else { return false }
        for byte in cell where byte != UInt8(ascii: "$") && byte != UInt8(ascii: ",") { out.append(byte) }
        return true
    }

    /// Appends the SHA-256 of `bytes` as 64 lower-case hex digits, written on the stack and
    /// appended at once: appended a digit at a time they took 41M instructions of a 20k-row
    /// Golden PETL import, about 15M now (callgrind; the whole import 1,157M → 1,130M).
    static func appendHexSHA256(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        SHA256.withDigest(of: bytes) { digest in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { hex in
                Hex.write(digest, to: hex)
                out.append(contentsOf: hex)
            }
        }
    }

    /// Appends the decimal digits of `value`, with a minus sign when it is negative.
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var rest = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()
    }
}
