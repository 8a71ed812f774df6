import IngestCore
import IngestPostgres

/// Writes a chunk row's `COPY` text (``XactRawImporter/copyColumns``) from its bytes when they
/// show a common clean row, without the record, the Strings and the raw JSON String that
/// ``XactRawMapper/map(_:firstField:)`` builds; the row is then byte for byte what
/// ``XactRawImporter/encode(_:line:job:into:)`` writes for the mapped row. Any other row is
/// left to the mapper.
///
/// Mapping and encoding were nearly all of the agent's 4.2 CPU seconds for a 300k-line
/// estimate, as much as the server spent in the chunks' `COPY` on the same 2 cores.
struct XactRawCopyRow {
    /// How a field's cell becomes its value (``XactRawMapper``'s rules), for a cell the bytes
    /// answer.
    enum Rule {
        /// ``UnitGrouping/groupingCode(_:)`` of an ASCII cell.
        case groupingCode
        /// ``TextCleaning/keyText(_:)`` of an ASCII cell (Group Description: never empty here).
        case keyText
        /// ``TextCleaning/clean(_:)`` of an ASCII cell; NULL when nothing is left.
        case text
        /// ``text`` of at most 5,000 bytes (`Note 1`'s cut never applies).
        case note
        /// The cell as it is; empty is NULL.
        case verbatim
        /// A plain number (`$` and `,` dropped); empty is NULL.
        case number
        /// ``number``, or NULL for a cell without a digit (`Labor Minimum` and `Tax` hold codes
        /// and Yes/No in real exports).
        case numberOrWord
        /// A whole number of years (``XactRawMapper/isWholeYears(_:)``); empty is NULL.
        case wholeYears
        /// Yes/No as `t`/`f`, anything else NULL.
        case yesNo
        /// A date in one of the export shapes as `YYYY-MM-DD`; empty or in no shape is NULL.
        case date
    }

    /// The bytes of the last row ``append(_:firstField:line:)`` wrote, line feed included.
    private(set) var bytes: [UInt8] = []
    /// The raw JSON and the hashes' keys, before they are escaped or hashed.
    private var scratch: [UInt8] = []
    /// A cell being cleaned.
    private var cell: [UInt8] = []
    private let mapper: XactRawMapper
    private let version: [UInt8]?
    /// Each field of ``XactRawColumns/Field/allCases`` with its column, if the file has one.
    private let cells: [(rule: Rule, column: Int?)]
    private let signatureColumns: [Int?]
    private let cat: Int?, sel: Int?, activity: Int?, description: Int?

    /// Rows of `mapper`'s file for the estimate version `versionId` (NULL when nil, as
    /// ``XactRawImporter/encode(_:line:job:into:)`` writes it).
    init(mapper: XactRawMapper, versionId: Int?) {
        self.mapper = mapper
        version = versionId.map { Array(String($0).utf8) }
        let columns = mapper.columns
        cells = XactRawColumns.Field.allCases.map { field in
            let rule: Rule = switch field {
            case .groupCode: .groupingCode
            case .groupDescription: .keyText
            case .desc, .condition, .unit, .coverage, .activity, .cat, .sel, .owner, .originalVendor, .sourceName: .text
            case .note1: .note
            case .depreciationType, .adjSource: .verbatim
            case .laborMinimum, .tax: .numberOrWord
            case .age, .qty, .itemAmount, .reportedCost, .unitCost, .workersWage, .laborBurden, .laborOverhead,
                .material, .equipment, .marketConditions, .salesTax, .rcv, .depreciationAmount, .acv:
                .number
            case .life: .wholeYears
            case .recoverable, .replaceFlag: .yesNo
            case .sourceDate: .date
            }
            return (rule, columns[field])
        }
        signatureColumns = XactRawColumns.signatureFields.map { columns[$0] }
        cat = columns[.cat]
        sel = columns[.sel]
        activity = columns[.activity]
        description = columns[.desc]
        bytes.reserveCapacity(4096)
        scratch.reserveCapacity(2048)
        cell.reserveCapacity(1024)
    }

    /// Makes ``bytes`` the row for `record` (its data fields from `f`, from upload line `line`);
    /// false when the bytes do not tell, and the row must be mapped.
    mutating func append(_ record: borrowing CSVRecord, firstField f: Int, line: Int) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        // A record with a defect (invalid UTF-8, a stray quote) or a NUL, or short of the
        // header's fields, is mapped: the mapper repairs, rejects or leaves out such cells.
        guard record.issue == nil, !record.containsNUL, f + mapper.fieldCount <= record.fieldCount,
            record.withField(f + mapper.groupDescription, { !$0.isEmpty })
        else { return false }
        if let version { bytes += version } else { bytes += CopyTextCells.null }
        bytes.append(0x09)
        CopyTextCells.appendInteger(line, to: &bytes)
        bytes.append(0x09)
        guard let lineNo = record.withField(f + mapper.columns.lineNo, Self.lineNumber) else { return false }
        CopyTextCells.appendInteger(lineNo, to: &bytes)
        for cell in cells {
            bytes.append(0x09)
            guard let column = cell.column else {
                bytes += CopyTextCells.null
                continue
            }
            guard record.withField(f + column, { Self.append($0, by: cell.rule, to: &bytes, cleaning: &self.cell) }) else {
                return false
            }
        }
        bytes.append(0x09)
        scratch.removeAll(keepingCapacity: true)
        _ = JSONEscaping.appendObject(
            record, firstField: f, columns: mapper.jsonColumns, keys: mapper.jsonKeys, to: &scratch)
        scratch.withUnsafeBufferPointer { CopyInWriter.appendTextEscaped($0, to: &bytes) }
        bytes.append(0x09)
        appendSignatureHash(record, firstField: f)
        bytes.append(0x09)
        guard appendCanonicalKeyHash(record, firstField: f) else { return false }
        bytes.append(0x0A)
        return true
    }

    /// Appends the value of a cell by `rule` (`cleaned` is room for a cell being cleaned);
    /// false when the bytes do not tell.
    private static func append(
        _ cell: UnsafeBufferPointer<UInt8>, by rule: Rule, to out: inout [UInt8], cleaning cleaned: inout [UInt8]
    ) -> Bool {
        if cell.isEmpty {
            // Every rule makes an empty cell NULL (a Group Description is never empty here).
            out += CopyTextCells.null
            return true
        }
        switch rule {
        case .groupingCode, .keyText, .text, .note:
            guard rule != .note || cell.count <= 5000 else { return false }
            if TextCleaning.isCleanASCII(cell) {
                // Nearly every cell: cleaning keeps it as it is.
                return rule == .groupingCode ? appendGroupingCode(cell, to: &out) : appendText(cell, to: &out)
            }
            cleaned.removeAll(keepingCapacity: true)
            guard cleanASCII(cell, collapsing: rule == .text || rule == .note, into: &cleaned) else { return false }
            return cleaned.withUnsafeBufferPointer { cleaned in
                if cleaned.isEmpty {
                    guard rule != .keyText else { return false }  // mapping rejects the row
                    out += CopyTextCells.null
                    return true
                }
                return rule == .groupingCode ? appendGroupingCode(cleaned, to: &out) : appendText(cleaned, to: &out)
            }
        case .verbatim:
            CopyInWriter.appendTextEscaped(cell, to: &out)
        case .number, .numberOrWord:
            if CopyTextCells.appendPrice(cell, to: &out) {
                return true
            } else if rule == .numberOrWord && !cell.contains(where: { $0 &- 0x30 < 10 }) {
                // No digit: never a number (DecimalText), so NULL.
                out += CopyTextCells.null
            } else {
                return false
            }
        case .wholeYears:
            guard XactRawMapper.isWholeYears(cell) else { return false }
            var value = 0
            for byte in cell {
                guard byte &- 0x30 < 10 else {
                    if byte == UInt8(ascii: ".") { break }
                    continue
                }
                value = value * 10 + Int(byte &- 0x30)
            }
            CopyTextCells.appendInteger(cell[0] == UInt8(ascii: "-") ? -value : value, to: &out)
        case .yesNo:
            switch YesNo.parse(bytes: cell) {
            case true?: out.append(UInt8(ascii: "t"))
            case false?: out.append(UInt8(ascii: "f"))
            case nil: out += CopyTextCells.null
            }
        case .date:
            switch CopyTextCells.date(cell) {
            case .unknown: return false
            case .none: out += CopyTextCells.null
            case .day(let date): date.appendDescription(to: &out)
            }
        }
        return true
    }

    /// Appends `text` escaped; true.
    private static func appendText(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        CopyInWriter.appendTextEscaped(text, to: &out)
        return true
    }

    /// Appends ``TextCleaning/clean(_:)`` (`collapsing`) or ``TextCleaning/keyText(_:)`` of an
    /// ASCII cell to `out` (nothing for a cell that cleans to nothing); false for a cell with
    /// any other byte. Each CRLF or LF is a space and other controls go (tab and lone CR too);
    /// spaces at the ends go, and with `collapsing` each run of them inside is one space.
    static func cleanASCII(_ cell: UnsafeBufferPointer<UInt8>, collapsing: Bool, into out: inout [UInt8]) -> Bool {
        let start = out.count
        var pendingSpaces = 0
        var i = 0
        while i < cell.count {
            let byte = cell[i]
            i += 1
            guard byte < 0x80 else { return false }
            var space = byte == 0x20 || byte == 0x0A
            if byte == 0x0D && i < cell.count && cell[i] == 0x0A {
                i += 1
                space = true
            }
            if space {
                if out.count > start { pendingSpaces += 1 }
                continue
            }
            guard byte >= 0x20 else { continue }
            if pendingSpaces > 0 {
                out.append(contentsOf: repeatElement(0x20, count: collapsing ? 1 : pendingSpaces))
                pendingSpaces = 0
            }
            out.append(byte)
        }
        return true
    }

    /// ``UnitGrouping/groupingCode(_:)`` of a cell cleaned as ``TextCleaning/keyText(_:)``
    /// (printable ASCII, no space at either end); false for a cell with a backslash (which the
    /// `COPY` text would escape: rare, and left to the mapper).
    private static func appendGroupingCode(_ cell: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard !cell.contains(0x5C) else { return false }
        let start = out.count
        for byte in cell { out.append(TextCleaning.asciiUppercased(byte)) }
        if let digits = out[start...].withUnsafeBufferPointer({ key in
            UnitGrouping.unitDigits(inUpperCased: key).map { Array(key[$0]) }
        }) {
            out.removeSubrange((start + 4)...)
            out.append(UInt8(ascii: "_"))
            if digits.count == 1 { out.append(UInt8(ascii: "0")) }
            out += digits
        } else if out.count - start > 7 {
            out.removeSubrange((start + 7)...)
        }
        return true
    }

    /// ``XactRawMapper/lineNumber(_:)`` of a cell of digits and commas (at most 9 digits) or
    /// without any digit (0); nil for any other cell.
    private static func lineNumber(_ cell: UnsafeBufferPointer<UInt8>) -> Int? {
        var value = 0, digits = 0
        for byte in cell {
            if byte &- 0x30 < 10 {
                value = value * 10 + Int(byte &- 0x30)
                digits += 1
            } else if byte != UInt8(ascii: ",") {
                return cell.contains(where: { $0 &- 0x30 < 10 }) ? nil : 0
            }
        }
        return digits <= 9 ? value : nil
    }

    /// The row's signature hash: the 12 signature cells as they are, joined by `|` (spec §6.4).
    private mutating func appendSignatureHash(_ record: borrowing CSVRecord, firstField f: Int) {
        scratch.removeAll(keepingCapacity: true)
        for (index, column) in signatureColumns.enumerated() {
            if index > 0 { scratch.append(UInt8(ascii: "|")) }
            if let column { record.withField(f + column) { scratch.append(contentsOf: $0) } }
        }
        appendHexSHA256(of: scratch)
    }

    /// The canonical key hash of the row's cleaned Cat, Sel and Desc and its normalized
    /// Activity (``CanonicalKey``), from ASCII cells; false for a cell with any other byte.
    private mutating func appendCanonicalKeyHash(_ record: borrowing CSVRecord, firstField f: Int) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        /// The cell cleaned and upper-cased: ``CanonicalKey/part(_:)`` of ``TextCleaning/clean(_:)``.
        func appendPart(_ column: Int?) -> Bool {
            guard let column else { return true }
            let start = scratch.count
            guard record.withField(f + column, { Self.cleanASCII($0, collapsing: true, into: &scratch) }) else { return false }
            for i in start..<scratch.count { scratch[i] = TextCleaning.asciiUppercased(scratch[i]) }
            return true
        }
        guard appendPart(cat) else { return false }
        scratch += [0x7C, 0x7C]
        guard appendPart(sel) else { return false }
        scratch += [0x7C, 0x7C]
        let start = scratch.count
        guard appendPart(activity) else { return false }
        let code = scratch.withUnsafeBufferPointer { ActivityCode.code(ofWord: UnsafeBufferPointer(rebasing: $0[start...])) }
        if let code {
            scratch.removeSubrange(start...)
            scratch.append(code)
        }
        scratch += [0x7C, 0x7C]
        guard appendPart(description) else { return false }
        appendHexSHA256(of: scratch)
        return true
    }

    private mutating func appendHexSHA256(of key: [UInt8]) {
        key.withUnsafeBytes { CopyTextCells.appendHexSHA256(of: $0, to: &bytes) }
    }
}
