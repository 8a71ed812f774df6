import IngestCore
import Testing

@Suite("Exact decimal sums")
struct DecimalSumTests {
    private func sum(_ values: [String]) -> String? {
        var sum = DecimalSum()
        for value in values {
            guard sum.add(value) else { return nil }
        }
        return sum.text
    }

    @Test func theScaleIsTheLargestOfTheInputs() {
        #expect(sum(["1.50", "2.5"]) == "4.00")
        #expect(sum(["0", "0"]) == "0")
        #expect(sum(["12", "0.125", "-0.125"]) == "12.000")
        #expect(sum(["-5.00", "3"]) == "-2.00")
        #expect(sum(["-0.00"]) == "0.00")
        #expect(sum(["0.05", "-0.10"]) == "-0.05")
    }

    @Test func exponentsReadAsNumericReadsThem() {
        #expect(sum(["1e3", "1"]) == "1001")
        #expect(sum(["1.50e2", "0"]) == "150")
        #expect(sum(["2.5e-2", "1"]) == "1.025")
        #expect(sum(["1e-2"]) == "0.01")
        #expect(sum(["123e-1"]) == "12.3")
    }

    @Test func whatDoesNotFitIsRefusedAndLeavesTheSum() {
        var sum = DecimalSum()
        let added = [
            sum.add("170141183460469231731687303715884105727"), sum.add("1"), sum.add("1e400"),
            sum.add("0.0000000000000000000000000000001"), sum.add("12abc"),
        ]
        #expect(added == [true, false, false, false, false])
        #expect(sum.text == "170141183460469231731687303715884105727")
    }
}
