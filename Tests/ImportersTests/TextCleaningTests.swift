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

    /// The clean-ASCII shortcut gives what the general path gives: a leading tab forces the
    /// general path (it is deleted, quirk Q10) without changing the answer.
    @Test func shortcutAgreesWithTheGeneralPath() {
        let alphabet: [String] = ["a", "Z", "7", " ", "  ", "\t", "\r\n", "\n", "-", ".", "é", "\u{A0}", "\u{3000}", "\u{0}", "~"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            var text = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for k in 0..<Int(state >> 61) { text += alphabet[Int((state >> UInt64(4 * k + 3)) & 0xF) % alphabet.count] }
            #expect(TextCleaning.clean(text) == TextCleaning.clean("\t" + text), "\(Array(text.unicodeScalars))")
            #expect(TextCleaning.keyPart(text) == TextCleaning.keyPart("\t" + text))
        }
    }
}
