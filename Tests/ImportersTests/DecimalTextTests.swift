import IngestCore
import Testing

@Suite("Number parsing")
struct DecimalTextTests {
    @Test(arguments: [
        ("1,120.00", "1120.00"), ("$1,120.00", "1120.00"), (" 12.5 ", "12.5"), ("(5.00)", "-5.00"), ("-3", "-3"),
        ("+7", "7"), (".5", "0.5"), ("12.", "12"), ("1e3", "1e3"), ("2.5E-2", "2.5e-2"), ("1e400", "1e400"),
        ("( 4 )", "-4"), ("0", "0"),
    ])
    func numbers(input: String, expected: String) {
        #expect(DecimalText.parse(input) == .number(expected))
    }

    @Test(arguments: ["0x10", "Infinity", "NaN", "-", "--5", "12.34*", "1e", "1.2.3", "(-5)", "5 5", "1e99999", "abc"])
    func notNumbers(input: String) {
        guard case .invalid(let reason) = DecimalText.parse(input) else {
            Issue.record("'\(input)' parsed as a number")
            return
        }
        #expect(reason.contains(input))
    }

    @Test func emptyCellsAreNull() {
        #expect(DecimalText.parse("") == .empty)
        #expect(DecimalText.parse("   ") == .empty)
        #expect(DecimalText.parse("$") == .empty)
    }

    @Test func moneyStrippingAllowsAsterisksAndSpaces() {
        #expect(DecimalText.parse("12,240.33*", stripping: [.commas, .dollars, .asterisksAndSpaces]) == .number("12240.33"))
        #expect(DecimalText.parse("1 015.00", stripping: [.commas, .dollars, .asterisksAndSpaces]) == .number("1015.00"))
        // toNumber of XACT components strips commas only: a dollar sign makes it invalid.
        guard case .invalid = DecimalText.parse("$5", stripping: .commas) else {
            Issue.record("$5 parsed with commas-only stripping")
            return
        }
    }

    /// The canonical-number shortcut gives what the general path gives: a leading space
    /// forces the general path (it is trimmed) without changing the number; and the planner's
    /// check of a cell without stripping agrees with the general check.
    @Test func shortcutAgreesWithTheGeneralPath() {
        let alphabet: [String] = ["0", "1", "9", "-", "+", ".", ",", "$", "e", "(", ")", " ", "*", "x", "5", "00"]
        var state: UInt64 = 0xD1B5_4A32_D192_ED03
        for _ in 0..<20_000 {
            var text = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for k in 0..<Int(state >> 60) % 8 { text += alphabet[Int((state >> UInt64(4 * k + 4)) & 0xF)] }
            func number(_ parsed: DecimalText.Parsed) -> String? {
                if case .number(let value) = parsed { return value }
                return nil
            }
            #expect(number(DecimalText.parse(text)) == number(DecimalText.parse(" " + text)), "\(text)")
            // The planner's check without stripping is its own loop: the same verdict.
            var bytes = text
            let plain = bytes.withUTF8 { DecimalText.isCanonical($0) }
            #expect(plain == bytes.withUTF8 { DecimalText.isCanonical($0, ignoring: []) }, "\(text)")
        }
    }
}
