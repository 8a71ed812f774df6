import IngestCore
import Testing

/// A scanned record, copied out of the scanner for assertions.
struct Scanned: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]
    var raw: String
    var issue: CSVRecordIssue?

    var description: String { "line \(line): \(fields) raw=\(raw.debugDescription) issue=\(String(describing: issue))" }
}

func scan(_ text: String, _ options: CSVScannerOptions = CSVScannerOptions()) throws -> [Scanned] {
    try scan(bytes: Array(text.utf8), options)
}

func scan(bytes: [UInt8], _ options: CSVScannerOptions = CSVScannerOptions()) throws -> [Scanned] {
    let scanner = CSVScanner(source: MemoryByteSource(bytes), options: options)
    var out: [Scanned] = []
    try scanner.forEachRecord { record in
        out.append(Scanned(
            line: record.line, fields: record.strings(),
            raw: String(decoding: record.copyRawBytes(), as: UTF8.self), issue: record.issue))
    }
    return out
}

@Suite("CSV scanner")
struct CSVScannerTests {
    @Test func plainRecordsWithLineNumbers() throws {
        let records = try scan("a,b,c\n1,2,3\n4,5,6\n")
        #expect(records.map(\.fields) == [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]])
        #expect(records.map(\.line) == [1, 2, 3])
        #expect(records.map(\.raw) == ["a,b,c", "1,2,3", "4,5,6"])
    }

    @Test func quotedFieldsKeepDelimitersQuotesAndLineBreaks() throws {
        let text = "id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\r\nlines\"\n4,\"x\ny\nz\"\n5,end\n"
        let records = try scan(text)
        #expect(records.map(\.fields) == [
            ["id", "text"], ["1", "a, b"], ["2", "say \"hi\""], ["3", "two\r\nlines"], ["4", "x\ny\nz"], ["5", "end"],
        ])
        #expect(records.map(\.line) == [1, 2, 3, 4, 6, 9])
        #expect(records[2].raw == "2,\"say \"\"hi\"\"\"")
        #expect(records.allSatisfy { $0.issue == nil })
    }

    @Test func lineEndingsLFCRLFAndLoneCR() throws {
        #expect(try scan("a,b\r\nc,d\r\n").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try scan("a,b\rc,d\re,f").map(\.fields) == [["a", "b"], ["c", "d"], ["e", "f"]])
        #expect(try scan("a\rb\r\nc\nd").map(\.line) == [1, 2, 3, 4])
    }

    @Test func lastRecordWithoutLineEndAndTrailingDelimiter() throws {
        #expect(try scan("a,b\nc,d").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try scan("a,b,\nc,").map(\.fields) == [["a", "b", ""], ["c", ""]])
        #expect(try scan("a,\"\"").map(\.fields) == [["a", ""]])
    }

    @Test func leadingBOMIsSkippedOnlyAtTheStart() throws {
        let records = try scan(bytes: [0xEF, 0xBB, 0xBF] + Array("Code,x\n\u{FEFF}y,z\n".utf8))
        #expect(records[0].fields == ["Code", "x"])
        #expect(records[1].fields == ["\u{FEFF}y", "z"])
    }

    @Test func emptyLinesAreSkippedButCounted() throws {
        let records = try scan("a\n\n\r\nb\n,,\n")
        #expect(records.map(\.fields) == [["a"], ["b"], ["", "", ""]])
        #expect(records.map(\.line) == [1, 4, 5])
        let kept = try scan("a\n\nb\n", CSVScannerOptions(skipEmptyLines: false))
        #expect(kept.map(\.fields) == [["a"], [""], ["b"]])
    }

    @Test(arguments: [CSVDelimiter.tab, .semicolon, .pipe])
    func otherDelimiters(_ delimiter: CSVDelimiter) throws {
        let d = String(UnicodeScalar(delimiter.rawValue))
        let text = "a\(d)b,c\(d)\"q\(d)x\"\n1\(d)2\(d)3\n"
        let records = try scan(text, CSVScannerOptions(delimiter: delimiter))
        #expect(records.map(\.fields) == [["a", "b,c", "q\(d)x"], ["1", "2", "3"]])
    }

    @Test func delimiterNames() {
        #expect(CSVDelimiter(name: "tab") == .tab)
        #expect(CSVDelimiter(name: "Semicolon") == .semicolon)
        #expect(CSVDelimiter(name: "|") == .pipe)
        #expect(CSVDelimiter(name: "colon") == nil)
    }

    @Test func raggedRowsKeepTheirFieldCounts() throws {
        let records = try scan("a,b,c\n1,2\n1,2,3,4\n")
        #expect(records.map(\.fields.count) == [3, 2, 4])
    }

    @Test func unterminatedQuoteAtEndOfFileIsAnErrorNamingTheLine() throws {
        let error = try #require(throws: CSVScanError.self) { try scan("a,b\n1,2\n3,\"never closed\n4,5\n") }
        #expect(error.code == .unterminatedQuote)
        #expect(error.line == 3)
        #expect(error.description.contains("line 3"))
    }

    @Test func quoteInsideUnquotedFieldIsARecordIssue() throws {
        let records = try scan("a,b\n1,x\"y\n2,z\n")
        #expect(records[1].issue == .quoteInUnquotedField(field: 1))
        #expect(records[1].fields == ["1", "x\"y"])
        #expect(records[2].issue == nil)
        #expect(records[2].fields == ["2", "z"])
    }

    @Test func textAfterClosingQuoteIsARecordIssue() throws {
        let records = try scan("\"ab\"c,d\ne,f\n")
        #expect(records[0].issue == .textAfterClosingQuote(field: 0))
        #expect(records[0].fields.count == 2)
        #expect(records[1].fields == ["e", "f"])
    }

    @Test func invalidUTF8IsReportedPerRecordWithItsField() throws {
        var bytes = Array("a,b\n1,ok\n".utf8)
        bytes += Array("2,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        bytes += Array("3,caf\u{E9} \u{1F600}\n".utf8)
        bytes += Array("4,\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"\n".utf8)  // a surrogate
        bytes += [0xC0, 0xAF] + Array(",5\n".utf8)  // an overlong '/'
        let records = try scan(bytes: bytes)
        #expect(records.map(\.issue) == [nil, nil, .invalidUTF8(field: 1), nil, .invalidUTF8(field: 1), .invalidUTF8(field: 0)])
        #expect(records[3].fields == ["3", "caf\u{E9} \u{1F600}"])
    }

    @Test func recordLargerThanTheLimitStopsWithAClearError() throws {
        let big = String(repeating: "x", count: 5000)
        let options = CSVScannerOptions(maxRecordBytes: 4096, blockSize: 512)
        let error = try #require(throws: CSVScanError.self) { try scan("a,b\n1,\(big)\n", options) }
        #expect(error.code == .recordTooLarge)
        #expect(error.line == 2)
        // An unterminated quote near the start of a big file stops at the limit, not at EOF.
        let runaway = "a\n\"" + String(repeating: "row,row\n", count: 2000)
        let quoteError = try #require(throws: CSVScanError.self) { try scan(runaway, options) }
        #expect(quoteError.code == .recordTooLarge)
        #expect(quoteError.line == 2)
    }

    @Test func recordsUpToTheLimitAreAccepted() throws {
        let field = String(repeating: "y", count: 4000)
        let records = try scan("a\n\(field)\nb\n", CSVScannerOptions(maxRecordBytes: 4096, blockSize: 64))
        #expect(records.map(\.fields) == [["a"], [field], ["b"]])
    }

    @Test func tooManyFieldsStopsWithAClearError() throws {
        let row = Array(repeating: "1", count: 11).joined(separator: ",")
        let error = try #require(throws: CSVScanError.self) {
            try scan("h\n\(row)\n", CSVScannerOptions(maxFields: 10))
        }
        #expect(error.code == .tooManyFields)
        #expect(error.line == 2)
    }

    @Test func emptyInputAndBOMOnlyInputHaveNoRecords() throws {
        #expect(try scan("").isEmpty)
        #expect(try scan(bytes: [0xEF, 0xBB, 0xBF]).isEmpty)
        #expect(try scan("\n\n").isEmpty)
    }

    @Test func everyBlockSizeGivesTheSameRecords() throws {
        let text = "\u{FEFF}h1,h2,h3\r\n\"a\r\nb\",\"c\"\"d\",e\r\n\rx,,\"\"\n\"q\"\"\",\"\",z\r"
        let expected = try scan(text)
        #expect(expected.count == 4)
        for blockSize in 1...17 {
            #expect(try scan(text, CSVScannerOptions(blockSize: blockSize)) == expected, "block size \(blockSize)")
        }
    }

    @Test func bytesReadCountsTheWholeInput() throws {
        let text = "a,b\n1,2\n"
        let scanner = CSVScanner(source: MemoryByteSource(text), options: CSVScannerOptions(blockSize: 3))
        try scanner.forEachRecord { _ in }
        #expect(scanner.bytesRead == text.utf8.count)
    }

    /// `containsNUL` finds a NUL at every position of records of every length up to 20 bytes
    /// (both sides of each eight-byte word), quoted or not, and none where there is none.
    @Test func containsNULAtEveryPosition() throws {
        /// `containsNUL` of each record of one record holding `cell`, quoted or not.
        func found(_ cell: [UInt8], quoted: Bool) throws -> [Bool] {
            let quote = quoted ? [UInt8(ascii: "\"")] : []
            var answers: [Bool] = []
            try CSVScanner(source: MemoryByteSource(quote + cell + quote + [UInt8(ascii: "\n")])).forEachRecord {
                answers.append($0.containsNUL)
            }
            return answers
        }
        for length in 1...20 {
            for quoted in [false, true] {
                let clean = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                #expect(try found(clean, quoted: quoted) == [false], "length \(length)")
                for position in 0..<length {
                    var withNUL = clean
                    withNUL[position] = 0
                    #expect(try found(withNUL, quoted: quoted) == [true], "length \(length), NUL at \(position)")
                }
            }
        }
    }
}
