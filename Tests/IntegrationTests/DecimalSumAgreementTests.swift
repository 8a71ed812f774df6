import IngestCore
import IngestPostgres
import Testing

/// ``DecimalSum`` against PostgreSQL's `sum(numeric)` of the same texts: value and scale.
@Suite("Decimal sums agree with numeric", .enabled(if: TestDatabase.isConfigured))
struct DecimalSumAgreementTests {
    @Test func randomSumsPrintAsPostgreSQLPrintsThem() throws {
        let connection = try TestDatabase.connect()
        var state: UInt64 = 0x5DEE_CE66_D
        func next(_ bound: UInt64) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % bound)
        }
        func number() -> String {
            let sign = next(4) == 0 ? "-" : ""
            let integer = String(next(1_000_000))
            let fraction = next(3) == 0 ? "" : "." + String(String(next(100_000)).reversed())
            let exponent = next(6) == 0 ? "e" + (next(2) == 0 ? "-" : "") + String(next(8)) : ""
            return sign + integer + fraction + exponent
        }
        for _ in 0..<200 {
            let values = (0..<(1 + next(12))).map { _ in number() }
            var sum = DecimalSum()
            let added = values.map { sum.add($0) }
            #expect(!added.contains(false), "\(values)")
            let literal = values.map { "('\($0)'::numeric)" }.joined(separator: ", ")
            let expected = try connection.query("SELECT sum(v)::text FROM (VALUES \(literal)) t(v)").first!.require(0, as: String.self)
            #expect(sum.text == expected, "\(values)")
        }
    }
}
