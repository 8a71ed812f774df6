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
        var bytes: [UInt8] = []
        appendDescription(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``description`` as UTF-8 to `out`, without a String (XACT raw's rows written
    /// from bytes).
    func appendDescription(to out: inout [UInt8]) {
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        append(year, digits: 4)
        out.append(UInt8(ascii: "-"))
        append(month, digits: 2)
        out.append(UInt8(ascii: "-"))
        append(day, digits: 2)
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

        guard let (year, month, day) = fields(bytes) else { return .unrecognized }
        guard let date = CalendarDate(year: year, month: month, day: day) else {
            return .invalid("'\(text)' is not a calendar date")
        }
        return .date(date)
    }

    /// True when these UTF-8 bytes are a calendar day in one of ``parse(_:)``'s shapes
    /// (`M/D/YY`, `M/D/YYYY`, `YYYY-MM-DD`) with no spaces: a cell it reads as a date.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (year, month, day) = fields(bytes) else { return false }
        return CalendarDate(year: year, month: month, day: day) != nil
    }

    /// The year, month and day that `bytes` spell in one of the shapes (two-digit years
    /// 00–49 are 2000–2049, 50–99 1950–1999), not yet checked against the calendar; nil when
    /// they are in none.
    static func fields(_ bytes: some Collection<UInt8>) -> (year: Int, month: Int, day: Int)? {
        if let (m, d, y) = parts(bytes, separator: UInt8(ascii: "/")), (1...2).contains(m.digits),
            (1...2).contains(d.digits), y.digits == 2 || y.digits == 4
        {
            return (y.digits == 4 ? y.value : y.value + (y.value < 50 ? 2000 : 1900), m.value, d.value)
        }
        if let (y, m, d) = parts(bytes, separator: UInt8(ascii: "-")), y.digits == 4, (1...2).contains(m.digits),
            (1...2).contains(d.digits)
        {
            return (y.value, m.value, d.value)
        }
        return nil
    }

    /// One run of ASCII digits: its value and how many digits it has.
    private typealias Run = (value: Int, digits: Int)

    /// `bytes` split at `separator` into exactly three runs of at most 4 ASCII digits (runs may
    /// be empty); nil when anything else occurs.
    private static func parts(_ bytes: some Collection<UInt8>, separator: UInt8) -> (Run, Run, Run)? {
        var runs: (Run, Run, Run) = ((0, 0), (0, 0), (0, 0))
        var index = 0
        for byte in bytes {
            if byte == separator {
                index += 1
                guard index < 3 else { return nil }
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            func add(_ run: inout Run) -> Bool {
                guard run.digits < 4 else { return false }
                run = (run.value * 10 + Int(byte - 0x30), run.digits + 1)
                return true
            }
            let added = switch index {
            case 0: add(&runs.0)
            case 1: add(&runs.1)
            default: add(&runs.2)
            }
            guard added else { return nil }
        }
        return index == 2 ? runs : nil
    }
}
