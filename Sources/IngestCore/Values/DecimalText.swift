/// Number parsing for money and quantities (spec §1.3 with DESIGN §3's decisions).
///
/// The result is the number as canonical decimal text (`-5.00`, `1120.00`, `1e3`), stored
/// through PostgreSQL's `numeric` input without ever passing through floating point.
public enum DecimalText {
    /// Which characters are stripped before parsing.
    public struct Stripping: Sendable, OptionSet {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        // Computed, not stored: a stored static is a lazily initialized global, checked at
        // every use (three checks per number cell of every planned row).
        /// Thousands separators `,`.
        @inlinable public static var commas: Stripping { Stripping(rawValue: 1) }
        /// Dollar signs `$`.
        @inlinable public static var dollars: Stripping { Stripping(rawValue: 2) }
        /// Xactimate's trailing total marker `*` and all whitespace (`moneyToNumber`).
        @inlinable public static var asterisksAndSpaces: Stripping { Stripping(rawValue: 4) }
        /// `toNumber` of the pricing importers: `$` and `,`.
        @inlinable public static var pricing: Stripping { Stripping(rawValue: 3) }
    }

    /// The result of parsing one cell.
    public enum Parsed: Equatable, Sendable {
        /// The cell is empty (or only whitespace): SQL NULL.
        case empty
        /// A number, as canonical decimal text.
        case number(String)
        /// Not a number; the reason names what is wrong.
        case invalid(String)
    }

    /// Largest accepted decimal exponent; PostgreSQL `numeric` would fail far beyond it.
    static let maxExponent = 1000

    /// Parses `text`: leading/trailing whitespace allowed; `stripping` characters removed;
    /// `(5.00)` is −5.00; digits with an optional sign, decimal point and exponent. Hex,
    /// `Infinity`, `NaN` and anything else are not numbers.
    public static func parse(_ text: String, stripping: Stripping = .pricing) -> Parsed {
        // Most cells are canonical already (`12.50`, `-3`): returned as they are, without
        // the byte copies below (15% of an import's client time in the profile of a 1M-row
        // Golden Components import).
        if isCanonical(text) { return .number(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte == UInt8(ascii: ",") && stripping.contains(.commas) { continue }
            if byte == UInt8(ascii: "$") && stripping.contains(.dollars) { continue }
            if stripping.contains(.asterisksAndSpaces) && (byte == UInt8(ascii: "*") || isSpace(byte)) { continue }
            bytes.append(byte)
        }
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        if bytes.isEmpty { return .empty }

        var negative = false
        if bytes.first == UInt8(ascii: "("), bytes.last == UInt8(ascii: ")") {
            bytes = Array(bytes.dropFirst().dropLast())
            while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
            while let last = bytes.last, isSpace(last) { bytes.removeLast() }
            negative = true
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
                return .invalid("'\(text)' is not a number (sign inside parentheses)")
            }
        }
        guard let canonical = canonicalDecimal(bytes) else { return .invalid("'\(text)' is not a number") }
        if canonical == "out of range" { return .invalid("'\(text)' is out of range") }
        if negative {
            return .number(canonical.hasPrefix("-") ? String(canonical.dropFirst()) : "-" + canonical)
        }
        return .number(canonical)
    }

    /// True when `text` is `-? digits (. digits)?`, which ``parse(_:stripping:)`` returns unchanged.
    static func isCanonical(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isCanonical($0) }
    }

    /// True when these UTF-8 bytes are `-? digits (. digits)?`: a number that
    /// ``parse(_:stripping:)`` accepts and returns unchanged, whatever the stripping.
    @inlinable
    public static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        if i < n && bytes[i] == UInt8(ascii: "-") { i &+= 1 }
        let integerStart = i
        while i < n && bytes[i] &- 0x30 < 10 { i &+= 1 }
        guard i > integerStart else { return false }
        if i == n { return true }
        guard bytes[i] == UInt8(ascii: ".") else { return false }
        i &+= 1
        let fractionStart = i
        while i < n && bytes[i] &- 0x30 < 10 { i &+= 1 }
        return i == n && i > fractionStart
    }

    /// True when these UTF-8 bytes are ``isCanonical(_:)`` once the characters `stripping`
    /// removes are left out (`$1,234.50` with `.pricing`, `12.50*` with `.asterisksAndSpaces`):
    /// a number that ``parse(_:stripping:)`` accepts. Inlinable: the planners ask it of the
    /// number cells of every row.
    @inlinable
    public static func isCanonical(_ bytes: UnsafeBufferPointer<UInt8>, ignoring stripping: Stripping) -> Bool {
        var digits = 0
        var seenPoint = false
        var fractionDigits = 0
        var seenAny = false
        let commas = stripping.contains(.commas)
        let dollars = stripping.contains(.dollars)
        let asterisksAndSpaces = stripping.contains(.asterisksAndSpaces)
        for byte in bytes {
            // Digits first: they are nearly every byte (planning checks every number cell).
            if byte &- 0x30 < 10 {
                if seenPoint { fractionDigits += 1 } else { digits += 1 }
                seenAny = true
                continue
            }
            switch byte {
            case UInt8(ascii: ",") where commas, UInt8(ascii: "$") where dollars:
                continue
            case UInt8(ascii: "*") where asterisksAndSpaces:
                continue
            case _ where asterisksAndSpaces && isSpace(byte):
                continue
            case UInt8(ascii: "-") where !seenAny:
                break
            case UInt8(ascii: ".") where digits > 0 && !seenPoint:
                seenPoint = true
            default:
                return false
            }
            seenAny = true
        }
        return digits > 0 && (!seenPoint || fractionDigits > 0)
    }

    /// Validates `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` and returns it
    /// without a leading `+`; nil when it does not match.
    private static func canonicalDecimal(_ bytes: [UInt8]) -> String? {
        var i = 0
        var out: [UInt8] = []
        if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
            if bytes[i] == UInt8(ascii: "-") { out.append(bytes[i]) }
            i += 1
        }
        var integerDigits = 0
        while i < bytes.count && isDigit(bytes[i]) {
            out.append(bytes[i])
            i += 1
            integerDigits += 1
        }
        var fractionDigits = 0
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            if integerDigits == 0 { out.append(UInt8(ascii: "0")) }
            var fraction: [UInt8] = []
            while i < bytes.count && isDigit(bytes[i]) {
                fraction.append(bytes[i])
                i += 1
                fractionDigits += 1
            }
            if fractionDigits > 0 {
                out.append(UInt8(ascii: "."))
                out += fraction
            }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentSign: UInt8?
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                exponentSign = bytes[i]
                i += 1
            }
            var exponent: [UInt8] = []
            while i < bytes.count && isDigit(bytes[i]) {
                exponent.append(bytes[i])
                i += 1
            }
            guard !exponent.isEmpty else { return nil }
            let value = Int(String(decoding: exponent.prefix(6), as: UTF8.self)) ?? Int.max
            if exponent.count > 6 || value > maxExponent { return i == bytes.count ? "out of range" : nil }
            out.append(UInt8(ascii: "e"))
            if exponentSign == UInt8(ascii: "-") { out.append(UInt8(ascii: "-")) }
            out += exponent
        }
        guard i == bytes.count else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    /// True for the ASCII whitespace that parsing trims: space and tab through carriage return.
    @inlinable public static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
}
