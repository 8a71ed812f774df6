import IngestCore
import Testing

@Suite("cleanText")
struct TextCleaningTests {
    @Test(arguments: [
        ("  a  b  ", "a b"), ("a\r\nb", "a b"), ("a\nb", "a b"), ("a\tb", "ab"), ("a\rb", "ab"), ("x\u{0}y", "xy"),
        ("a\u{A0}\u{A0}b", "a b"), ("\u{3000}lead", "lead"), ("a \r\n b", "a b"),
    ])
    func cleans(input: String, expected: String) {
        #expect(TextCleaning.clean(input) == expected)
    }

    @Test func emptyBecomesNil() {
        #expect(TextCleaning.clean("") == nil)
        #expect(TextCleaning.clean(" \t\r\n ") == nil)
    }

    @Test func keyPartsUpperCaseASCII() {
        #expect(TextCleaning.keyPart("  dry  ") == "DRY")
        #expect(TextCleaning.keyPart("1/2 in") == "1/2 IN")
        #expect(TextCleaning.keyPart("") == "")
    }
}
