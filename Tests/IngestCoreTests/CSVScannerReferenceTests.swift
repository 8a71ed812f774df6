import IngestCore
import Testing

/// The scanner against a byte-at-a-time reference of the same rules, on random inputs made of
/// the bytes that matter (delimiter, quote, CR, LF, multi-byte and invalid UTF-8), cut into
/// blocks of every awkward size: the 64-byte search must find exactly the records, fields,
/// lines, issues and errors that looking at one byte at a time finds.
@Suite("CSV scanner against a reference")
struct CSVScannerReferenceTests {
    /// What a scan came to: its records, or the error that stopped it (after those records).
    struct Outcome: Equatable, CustomStringConvertible {
        var records: [Scanned] = []
        var error: String?

        var description: String { "\(records)\(error.map { " then \($0)" } ?? "")" }
    }

    @Test(arguments: [CSVDelimiter.comma, .tab])
    func randomInputsScanAsTheReferenceDoes(delimiter: CSVDelimiter) throws {
        let d = delimiter.rawValue
        // Runs of plain bytes make fields longer than one 64-byte window now and then.
        let pieces: [[UInt8]] = [
            [0x61], [0x62, 0x63], [0xC3, 0xA9], [0xFF], [d], [d], [0x22], [0x22], [0x22, 0x22], [0x0D], [0x0A],
            [0x0D, 0x0A], [0x20], [UInt8](repeating: 0x78, count: 70), [0xEF, 0xBB, 0xBF],
        ]
        var random = SplitMix64(state: UInt64(d))
        for round in 0..<1500 {
            var input: [UInt8] = []
            let count = Int(random.next() % 60)
            for _ in 0..<count { input += pieces[Int(random.next() % UInt64(pieces.count))] }
            let expected = Self.reference(input, delimiter: d)
            for blockSize in [1, 2, 5, 31, 64, 65, 1 << 20] {
                let options = CSVScannerOptions(delimiter: delimiter, blockSize: blockSize)
                let found = Self.scanned(input, options)
                #expect(found == expected, "round \(round), block size \(blockSize), input \(input)")
                if found != expected { return }
            }
        }
    }

    static func scanned(_ input: [UInt8], _ options: CSVScannerOptions) -> Outcome {
        var outcome = Outcome()
        let scanner = CSVScanner(source: MemoryByteSource(input), options: options)
        do {
            try scanner.forEachRecord { record in
                outcome.records.append(Scanned(
                    line: record.line, fields: record.strings(),
                    raw: String(decoding: record.copyRawBytes(), as: UTF8.self), issue: record.issue))
            }
        } catch let error as CSVScanError {
            outcome.error = "\(error.code) at line \(error.line)"
        } catch {
            outcome.error = "\(error)"
        }
        return outcome
    }

    /// The scanner's rules, one byte at a time over the whole input.
    static func reference(_ b: [UInt8], delimiter d: UInt8) -> Outcome {
        let quote: UInt8 = 0x22, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let n = b.count
        var outcome = Outcome()
        var p = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
        var line = 1
        while p < n {
            var fields: [(Int, Int, Bool)] = []
            var issue: CSVRecordIssue?
            var newlines = 0
            var i = p
            let recordEnd: Int
            let next: Int
            while true {
                if i < n && b[i] == quote {
                    i += 1
                    let contentStart = i
                    var escaped = false
                    var contentEnd: Int
                    while true {
                        while i < n && b[i] != quote {
                            if b[i] == lf || (b[i] == cr && (i + 1 < n ? b[i + 1] != lf : true)) { newlines += 1 }
                            i += 1
                        }
                        if i >= n {
                            outcome.error = "unterminatedQuote at line \(line)"
                            return outcome
                        }
                        if i + 1 < n && b[i + 1] == quote {
                            escaped = true
                            i += 2
                            continue
                        }
                        contentEnd = i
                        i += 1
                        break
                    }
                    if i < n && b[i] != d && b[i] != lf && b[i] != cr {
                        if issue == nil { issue = .textAfterClosingQuote(field: fields.count) }
                        while i < n && b[i] != d && b[i] != lf && b[i] != cr { i += 1 }
                        contentEnd = i
                    }
                    fields.append((contentStart, contentEnd, escaped))
                } else {
                    let fieldStart = i
                    while i < n && b[i] != d && b[i] != lf && b[i] != cr {
                        if b[i] == quote && issue == nil { issue = .quoteInUnquotedField(field: fields.count) }
                        i += 1
                    }
                    fields.append((fieldStart, i, false))
                }
                if i >= n {
                    (recordEnd, next) = (i, i)
                    break
                }
                if b[i] == d {
                    i += 1
                    continue
                }
                newlines += 1
                (recordEnd, next) = (i, b[i] == cr && i + 1 < n && b[i + 1] == lf ? i + 2 : i + 1)
                break
            }
            let recordLine = line
            line += newlines
            defer { p = next }
            if recordEnd == p { continue }
            if issue == nil, let bad = fields.firstIndex(where: { String(validating: b[$0.0..<$0.1], as: UTF8.self) == nil }) {
                issue = .invalidUTF8(field: bad)
            }
            let strings = fields.map { start, end, escaped in
                var content: [UInt8] = []
                var k = start
                while k < end {
                    content.append(b[k])
                    k += escaped && b[k] == quote && k + 1 < end && b[k + 1] == quote ? 2 : 1
                }
                return String(decoding: content, as: UTF8.self)
            }
            outcome.records.append(Scanned(
                line: recordLine, fields: strings, raw: String(decoding: b[p..<recordEnd], as: UTF8.self), issue: issue))
        }
        return outcome
    }
}
