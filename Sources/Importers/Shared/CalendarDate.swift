/// A calendar date without time or time zone (DESIGN §3), as PostgreSQL's `date` stores it.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1–9999.
    public let year: Int
    /// 1–12.
    public let month: Int
    /// 1–31, within the month.
    public let day: Int

    /// The date, or nil when it is not on the (proleptic Gregorian) calendar of years 1–9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Self.days(inMonth: month, of: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`, PostgreSQL's `date` input.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// What a date cell holds.
    public enum Parsed: Equatable, Sendable {
        /// Empty or only whitespace.
        case empty
        /// A valid date.
        case date(CalendarDate)
        /// Not in any of the accepted shapes (the legacy importer stored null for it).
        case unrecognized
        /// In an accepted shape, but not a day of the calendar (`2/30/25`); the reason says why.
        case invalid(String)
    }

    /// Parses the date shapes of the exports (spec §1.4, DESIGN §3), after trimming:
    /// `M/D/YY`, `M/D/YYYY` and `YYYY-MM-DD` (months and days with one or two digits).
    /// Two-digit years 00–49 are 2000–2049, 50–99 are 1950–1999.
    public static func parse(_ text: String) -> Parsed {
        var bytes = Array(text.utf8)
        while let first = bytes.first, first == 0x20 || (first >= 0x09 && first <= 0x0D) { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || (last >= 0x09 && last <= 0x0D) { bytes.removeLast() }
        if bytes.isEmpty { return .empty }

        let year: Int
        let month: Int
        let day: Int
        if let parts = numbers(bytes, separator: UInt8(ascii: "/")), parts.count == 3,
            (1...2).contains(parts[0].digits), (1...2).contains(parts[1].digits),
            parts[2].digits == 2 || parts[2].digits == 4
        {
            month = parts[0].value
            day = parts[1].value
            year = parts[2].digits == 4 ? parts[2].value : parts[2].value + (parts[2].value < 50 ? 2000 : 1900)
        } else if let parts = numbers(bytes, separator: UInt8(ascii: "-")), parts.count == 3, parts[0].digits == 4,
            (1...2).contains(parts[1].digits), (1...2).contains(parts[2].digits)
        {
            year = parts[0].value
            month = parts[1].value
            day = parts[2].value
        } else {
            return .unrecognized
        }
        guard let date = CalendarDate(year: year, month: month, day: day) else {
            return .invalid("'\(text)' is not a calendar date")
        }
        return .date(date)
    }

    /// True when these UTF-8 bytes are a calendar day in one of ``parse(_:)``'s shapes
    /// (`M/D/YY`, `M/D/YYYY`, `YYYY-MM-DD`) with no spaces: a cell it reads as a date.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let separator = bytes.first(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "-") }) else { return false }
        var values = (0, 0, 0)
        var digits = (0, 0, 0)
        var part = 0
        for byte in bytes {
            if byte == separator {
                part += 1
                guard part < 3 else { return false }
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            let digit = Int(byte - 0x30)
            switch part {
            case 0: (values.0, digits.0) = (values.0 * 10 + digit, digits.0 + 1)
            case 1: (values.1, digits.1) = (values.1 * 10 + digit, digits.1 + 1)
            default: (values.2, digits.2) = (values.2 * 10 + digit, digits.2 + 1)
            }
        }
        guard part == 2 else { return false }
        if separator == UInt8(ascii: "/") {
            guard (1...2).contains(digits.0), (1...2).contains(digits.1), digits.2 == 2 || digits.2 == 4 else { return false }
            let year = digits.2 == 4 ? values.2 : values.2 + (values.2 < 50 ? 2000 : 1900)
            return CalendarDate(year: year, month: values.0, day: values.1) != nil
        }
        guard digits.0 == 4, (1...2).contains(digits.1), (1...2).contains(digits.2) else { return false }
        return CalendarDate(year: values.0, month: values.1, day: values.2) != nil
    }

    /// Splits `bytes` at `separator` into runs of ASCII digits; nil when anything else occurs.
    private static func numbers(_ bytes: [UInt8], separator: UInt8) -> [(value: Int, digits: Int)]? {
        var parts: [(value: Int, digits: Int)] = [(0, 0)]
        for byte in bytes {
            if byte == separator {
                parts.append((0, 0))
            } else if byte >= 0x30 && byte <= 0x39, parts[parts.count - 1].digits < 4 {
                parts[parts.count - 1].value = parts[parts.count - 1].value * 10 + Int(byte - 0x30)
                parts[parts.count - 1].digits += 1
            } else {
                return nil
            }
        }
        return parts
    }
}
