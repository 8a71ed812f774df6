/// An exact sum of numbers in ``DecimalText``'s canonical text, with the result PostgreSQL's
/// `sum(numeric)` gives for the same inputs: the same value and the same display scale (the
/// largest of the inputs'; `1.50e2` has scale 0 and `1e-2` scale 2, as `numeric` reads them).
///
/// Held as a 128-bit integer count of units of the current scale: 38 significant digits,
/// (every price and quantity we import has room to spare). An addition that would not
/// fit is refused, so that the caller can keep the sum so far and start another one (the
/// database adds the parts exactly).
public struct DecimalSum: Sendable, Equatable {
    /// The sum in units of `10^-scale`.
    private var units: Int128 = 0
    /// The display scale: digits after the decimal point.
    public private(set) var scale: Int = 0

    /// The largest scale kept; `numeric` inputs beyond it are refused (far beyond any price).
    static let maxScale = 30

    /// An empty sum (0, scale 0).
    public init() {}

    /// Adds `text`, canonical decimal text (`-12.50`, `1e3`, `5e-2`); false, leaving the sum
    /// as it was, when the text is not canonical or the result would not fit.
    public mutating func add(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { add(bytes: $0) }
    }

    /// Adds the number these UTF-8 bytes spell, as ``add(_:)`` adds its text (a chunk adds its
    /// cells from the file's bytes, without a String for each).
    public mutating func add(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (value, valueScale) = Self.parse(bytes) else { return false }
        let newScale = max(scale, valueScale)
        guard let current = Self.rescaled(units, from: scale, to: newScale),
            let added = Self.rescaled(value, from: valueScale, to: newScale)
        else { return false }
        let (sum, overflow) = current.addingReportingOverflow(added)
        guard !overflow, sum != .min else { return false }
        units = sum
        scale = newScale
        return true
    }

    /// The sum as `numeric` prints it: `-12.50`, `0.00`, `1000`.
    public var text: String {
        let magnitude = String(units.magnitude)
        var digits = magnitude
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return units < 0 ? "-" + digits : digits
    }

    /// `value` (in units of `10^-from`) in units of `10^-to`, `to >= from`; nil on overflow.
    private static func rescaled(_ value: Int128, from: Int, to: Int) -> Int128? {
        var value = value
        for _ in from..<to {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = next
        }
        return value
    }

    /// Canonical text as (units, scale); nil when it is not `-?digits(.digits)?(e-?digits)?` or
    /// does not fit.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int128, Int)? {
        var negative = false
        var units: Int128 = 0
        var digits = 0
        var fractionDigits = 0
        var inFraction = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        var exponentDigits = 0
        for offset in bytes.indices {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                negative = true
            case UInt8(ascii: "-") where inExponent && exponentDigits == 0 && !exponentNegative:
                exponentNegative = true
            case UInt8(ascii: "."):
                guard !inFraction, !inExponent, digits > 0 else { return nil }
                inFraction = true
            case UInt8(ascii: "e"):
                guard !inExponent, digits > 0 else { return nil }
                inExponent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(byte - UInt8(ascii: "0"))
                if inExponent {
                    exponent = exponent * 10 + digit
                    exponentDigits += 1
                    guard exponent <= 1000 else { return nil }
                } else {
                    let (times10, overflow) = units.multipliedReportingOverflow(by: 10)
                    guard !overflow else { return nil }
                    units = times10 + Int128(digit)
                    digits += 1
                    if inFraction { fractionDigits += 1 }
                }
            default:
                return nil
            }
        }
        guard digits > 0, !inExponent || exponentDigits > 0 else { return nil }
        // numeric reads m.f e x as display scale max(0, fraction digits − x).
        let power = (exponentNegative ? -exponent : exponent) - fractionDigits
        let scale = max(0, -power)
        guard scale <= maxScale, let value = rescaled(units, from: 0, to: max(0, power)) else { return nil }
        return (negative ? -value : value, scale)
    }
}
