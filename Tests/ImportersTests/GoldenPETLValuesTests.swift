import Importers
import Testing

@Suite("Golden PETL values")
struct GoldenPETLValuesTests {
    /// Spec §4.2, every word of the table, plus the cases around it.
    @Test(arguments: [
        ("-", "-"), ("+", "+"), ("&", "&"), ("R", "R"), ("M", "M"), ("F", "F"), ("I", "I"),
        ("Remove", "-"), ("DEMO", "-"), ("demolition", "-"),
        ("Replace", "+"), ("install new", "+"),
        ("Remove and Replace", "&"), ("remove & replace", "&"), ("R&R", "&"), ("rnr", "&"),
        ("Detach and Reset", "R"), ("DETACH & RESET", "R"), ("d&r", "R"), ("DNR", "R"), ("Reset", "R"),
        ("Materials", "M"), ("Material Only", "M"), ("materials only", "M"), ("MAT", "M"), ("material", "M"),
        ("Repair", "F"), ("fix", "F"),
        ("Install Only", "I"), ("Install", "I"), ("Labor Only", "I"), ("labor", "I"),
        // Trimmed and cleaned first: padding and inner runs do not matter.
        ("  Replace ", "+"), ("Remove   and  Replace", "&"), (" + ", "+"), ("\u{00A0}Repair\u{2003}", "F"),
        // cleanText deletes a tab rather than turning it into a space (quirk Q10).
        ("Remove and\tReplace", "Remove andReplace"),
        // Anything else: the cleaned original, case kept; lower-case codes are not codes.
        ("Paint", "Paint"), ("r", "r"), ("m", "m"), ("Remove and  paint", "Remove and paint"), ("&&", "&&"),
    ])
    func activityNormalization(raw: String, stored: String) {
        #expect(ActivityCode.normalize(raw) == stored)
    }

    @Test func emptyActivityIsNull() {
        #expect(ActivityCode.normalize("") == nil)
        #expect(ActivityCode.normalize("   ") == nil)
    }

    @Test func canonicalKeyHashVectors() {
        let description = "Drywall - 1/2\" hung, taped, floated, ready for paint"
        let key = CanonicalKey.string(cat: "DRY", sel: "1/2", activity: "+", description: description)
        #expect(key == "DRY||1/2||+||DRYWALL - 1/2\" HUNG, TAPED, FLOATED, READY FOR PAINT")
        // Expected values from `printf '%s' KEY | sha256sum`.
        #expect(CanonicalKey.hash(cat: "DRY", sel: "1/2", activity: "+", description: description)
            == "9e6d43bc4cdab786c13b9f9c192bbbe7b8adb92e20aaeb4c1597af9a75b32ba0")
        #expect(CanonicalKey.hash(cat: "DRY", sel: "1/2", activity: "-", description: description)
            == "f582336e438414c4f15d5b54b0db0a0d2298f2bddeac0163a15121f42038f045")
        #expect(CanonicalKey.string(cat: nil, sel: nil, activity: nil, description: nil) == "||||||")
        #expect(CanonicalKey.hash(cat: nil, sel: "", activity: nil, description: "  ")
            == "2dca6397f6798483d79ea9e0dcd45477d3fed0547a9194bef7440cfee3b2bf32")
    }

    @Test func canonicalKeyPartsAreTrimmedCollapsedAndUpperCasedLikeJavaScript() {
        #expect(CanonicalKey.part(" dry\t wall \n") == "DRY WALL")
        #expect(CanonicalKey.part("\u{00A0}a\u{2003}\u{3000}b\u{FEFF}") == "A B")
        // toUpperCase is Unicode-wide: ß → SS, é → É.
        #expect(CanonicalKey.string(cat: " wtr ", sel: "dhm", activity: "&", description: "Straße  ß")
            == "WTR||DHM||&||STRASSE SS")
        #expect(CanonicalKey.hash(cat: "wtr", sel: "dhm", activity: "&", description: "straße ß")
            == "7b349dd277e1d07a72cb65d4796c3a19b2162c17c78189f8aadec3d844185bd2")
        #expect(CanonicalKey.part("café") == "CAFÉ")
    }

    @Test func theHashOfPartsIsTheHashOfTheKeyString() {
        let parts: [(String?, String?, String?, String?)] = [
            ("dry", " 1/2 ", "+", "Board  \t regular\n"), (nil, nil, nil, nil), ("", " ", "\u{00A0}", "x"),
            ("wtr", "dhm", "Remove and Replace", "Straße, café"), ("\u{3000}a\u{3000}\u{3000}b", "\u{FEFF}", "ﬁx", "é"),
        ]
        for (cat, sel, activity, description) in parts {
            let key = CanonicalKey.string(cat: cat, sel: sel, activity: activity, description: description)
            #expect(CanonicalKey.hash(cat: cat, sel: sel, activity: activity, description: description)
                == CanonicalKey.hexSHA256(key), "\(key)")
        }
    }

    @Test(arguments: ["Yes", "yes", "YES", "Y", "y", "1", "true", "TRUE", "True", " yes ", "\tY"])
    func deleteMarks(cell: String) {
        #expect(DeleteMark.isMarked(cell))
    }

    @Test(arguments: ["", "No", "n", "0", "false", "yes please", "x", "t", "Yes!", "2", "delete"])
    func notDeleteMarks(cell: String) {
        #expect(!DeleteMark.isMarked(cell))
    }

    @Test func dates() {
        func date(_ text: String) -> String? {
            if case .date(let value) = CalendarDate.parse(text) { return value.description }
            return nil
        }
        #expect(date("3/1/2025") == "2025-03-01")
        #expect(date("11/2/2020") == "2020-11-02")
        #expect(date("10/18/22") == "2022-10-18")
        #expect(date("6/19/25") == "2025-06-19")
        #expect(date("2023-01-13") == "2023-01-13")
        #expect(date("2023-1-3") == "2023-01-03")
        #expect(date(" 03/01/2025 ") == "2025-03-01")
        // Two-digit years: 00–49 → 20xx, 50–99 → 19xx.
        #expect(date("1/1/00") == "2000-01-01")
        #expect(date("12/31/49") == "2049-12-31")
        #expect(date("1/1/50") == "1950-01-01")
        #expect(date("7/4/99") == "1999-07-04")
        #expect(date("2/29/24") == "2024-02-29")
        #expect(date("2/29/2000") == "2000-02-29")
    }

    @Test func emptyUnrecognizedAndInvalidDates() {
        #expect(CalendarDate.parse("") == .empty)
        #expect(CalendarDate.parse("  ") == .empty)
        for text in ["N/A", "2025/03/01", "3/1/202", "3-1-2025", "1/2", "03/01/2025 10:00", "20250301", "1//25", "3/1/12025"] {
            #expect(CalendarDate.parse(text) == .unrecognized, "\(text)")
        }
        for text in ["2/30/25", "2/29/2023", "2/29/1900", "13/1/2025", "0/1/25", "4/31/25", "2025-02-30", "0000-01-01", "1/0/25"] {
            #expect(CalendarDate.parse(text) == .invalid("'\(text)' is not a calendar date"), "\(text)")
        }
    }

    @Test func calendarDatesOrderAndFormat() {
        let early = CalendarDate(year: 999, month: 12, day: 31)!
        let late = CalendarDate(year: 2025, month: 1, day: 1)!
        #expect(early < late)
        #expect(early.description == "0999-12-31")
        #expect(CalendarDate(year: 2025, month: 2, day: 29) == nil)
    }
}
