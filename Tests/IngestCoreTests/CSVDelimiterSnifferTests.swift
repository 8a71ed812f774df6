import IngestCore
import Testing

@Suite struct CSVDelimiterSnifferTests {
    let candidates: [CSVDelimiter] = [.tab, .comma, .semicolon, .pipe]

    func choose(_ text: String) -> CSVDelimiter {
        CSVDelimiterSniffer.choose(sample: Array(text.utf8), candidates: candidates)
    }

    @Test func theDelimiterWithTheMostColumnsWins() {
        #expect(choose("#,Group Code,Desc\n1,A,\"x; y\"\n") == .comma)
        #expect(choose("#\tGroup Code\tDesc, long\n1\tA\tx,y\n") == .tab)
        #expect(choose("#;Group Code;Desc\n1;A;1,5\n") == .semicolon)
        #expect(choose("#|Group Code|Desc\n1|A|x\n") == .pipe)
    }

    @Test func tiesGoToMoreNonBlankRecordsThenToTheCandidatesOrder() {
        // Two columns either way; read with commas, the `,` line is blank, with semicolons not.
        #expect(choose("a;b,c\n1;2\n,\n") == .semicolon)
        #expect(choose("a;b,c\n1;2\n") == .comma)
        #expect(choose("only\n") == .tab)
    }

    @Test func headerNamesAreSanitizedAndKeyed() {
        #expect(CSVHeaderName.sanitize("\u{FEFF} Group\u{01} Code \t") == "Group Code")
        #expect(CSVHeaderName.lookupKey("Worker's Wage") == "worker s wage")
        #expect(CSVHeaderName.lookupKey(" U/M ") == "u m")
        #expect(CSVHeaderName.lookupKey("Line #") == "line #")
    }
}
