import IngestCore

/// One row of a generated Golden PETL file, as the generator chose it (not as parsed).
struct PETLRow {
    /// The `#` cell: unique per row, so `raw_json` shows which row won.
    var number: String
    var cat: String
    var sel: String
    var activityCell: String
    /// The Activity the spec's §4.2 table stores for `activityCell`.
    var activity: String?
    var description: String
    var priceCell: String
    /// The stored price, as `numeric::text` prints it.
    var price: String?
    var dateCell: String
    /// The stored date, `YYYY-MM-DD`.
    var date: String?
    var deleteCell: String
    var delete: Bool
}

/// A Golden item as the model expects it.
struct ModelItem {
    var cat: String
    var sel: String
    var activity: String?
    var description: String
    var price: String?
    var lastKnown: String?
    var date: String?
    var division: String?
    var number: String
}

/// A deliberately simple, single-threaded model of a Golden PETL import (spec §4.3),
/// independent of the importer: dictionaries keyed by the normalized key string, rows in
/// file order, the generator's values rather than parsed CSV.
struct ExpectedGoldenList {
    /// The `cat_division` rows of the Cats the generated files use (migrations 1 and 4), by upper-case Cat.
    static let divisions = [
        "CLN": "01", "LAB": "01", "WTR": "01", "DMO": "02", "CNC": "03", "FRM": "06", "INS": "07", "RFG": "07",
        "DOR": "08", "DRY": "09", "PNT": "09", "FCC": "09", "PLM": "15", "HVC": "15", "ELE": "16",
    ]

    var items: [String: ModelItem]
    var mergeStats: [String: Int]?
    var effectiveDate: String?

    /// Spec §1.5's key string (the generator writes no padding, so upper-casing suffices).
    static func key(cat: String, sel: String, activity: String?, description: String) -> String {
        [cat, sel, activity ?? "", description].map { $0.uppercased() }.joined(separator: "||")
    }

    /// What importing `rows` on top of `previous` must give.
    static func importing(_ rows: [PETLRow], merge: Bool, previous: [String: ModelItem]) -> ExpectedGoldenList {
        var items: [String: ModelItem] = [:]
        var deleted = Set<String>()
        var stats = ["updatedCount": 0, "addedCount": 0, "deletedCount": 0, "unchangedCount": 0, "duplicateCount": 0]
        var latest: String?
        for row in rows {
            if let date = row.date, latest.map({ date > $0 }) ?? true { latest = date }
            let key = key(cat: row.cat, sel: row.sel, activity: row.activity, description: row.description)
            if merge && row.delete {
                if previous[key] != nil {
                    stats["deletedCount"]! += 1
                    deleted.insert(key)
                }
                continue
            }
            if items[key] != nil {
                stats["duplicateCount"]! += 1
            } else if previous[key] != nil {
                stats["updatedCount"]! += 1
            } else {
                stats["addedCount"]! += 1
            }
            items[key] = ModelItem(
                cat: row.cat, sel: row.sel, activity: row.activity, description: row.description, price: row.price,
                lastKnown: previous[key]?.price, date: row.date, division: divisions[row.cat.uppercased()], number: row.number)
        }
        if merge {
            for (key, item) in previous where items[key] == nil && !deleted.contains(key) {
                items[key] = item
                stats["unchangedCount"]! += 1
            }
        }
        return ExpectedGoldenList(items: items, mergeStats: merge ? stats : nil, effectiveDate: latest)
    }

    /// The items in `goldenLines()` form, numbered by upper-case Cat, then Sel, Activity and
    /// Description in byte order (joined with U+0001, below every character the generator
    /// writes, so that comparing the joined ASCII strings compares the parts in turn).
    var lines: [String] {
        let sorted = items.values.map { item in
            (key: [item.cat.uppercased(), item.sel, item.activity ?? "", item.description].joined(separator: "\u{1}"), item: item)
        }.sorted { $0.key < $1.key }
        return sorted.enumerated().map { index, entry in
            let i = entry.item
            return [String(index + 1), i.cat, i.sel, i.activity ?? "∅", i.description, i.price ?? "∅", i.lastKnown ?? "∅",
                    i.date ?? "∅", i.division ?? "∅", i.number].joined(separator: "|")
        }
    }
}

/// Deterministic generator of Golden PETL files in a reduced export layout: duplicates,
/// Delete marks (and cells that are not marks), Activity words, money with `$` and
/// thousands separators, the three date shapes, empty and unrecognized dates.
struct PETLFileGenerator {
    static let header = ["#", "Group Code", "Group Description", "Desc", "Unit Cost", "Unit", "Coverage", "Activity",
                         "Cat", "Sel", "Owner", "Original Vendor", "Date", "Delete"]
    /// `dmo` and `DMO` are one key (the hash upper-cases); `XYZ` has no division.
    static let cats = ["DRY", "WTR", "PNT", "FRM", "ELE", "DMO", "dmo", "XYZ"]
    /// Cells and what spec §4.2 stores for them.
    static let activities: [(cell: String, stored: String?)] = [
        ("Replace", "+"), ("replace", "+"), ("Remove", "-"), (" Remove and Replace ", "&"), ("R&R", "&"), ("+", "+"),
        ("-", "-"), ("&", "&"), ("Detach & Reset", "R"), ("Paint", "Paint"), ("M", "M"), ("", nil),
    ]

    /// `count` rows; the `#` cells are `prefix` + the row number.
    static func generate(rows count: Int, seed: UInt64, prefix: String, sels: Int = 2000) -> (csv: [UInt8], rows: [PETLRow]) {
        var rng = seed
        func next(_ bound: Int) -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int((rng >> 33) % UInt64(bound))
        }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var rows: [PETLRow] = []
        rows.reserveCapacity(count)
        for i in 0..<count {
            let cat = cats[next(cats.count)]
            let sel = "S\(next(sels))"
            let activity = activities[next(activities.count)]
            let description = ["Item \(sel)", "Board, 1/2\" \(sel)", "Labor \(sel) - hourly"][next(3)]
            let hundredths = next(500_000)
            let dollars = hundredths / 100
            let plain = "\(dollars).\(two(hundredths % 100))"
            let priceCell: String
            let price: String?
            switch next(20) {
            case 0:
                (priceCell, price) = ("", nil)
            case 1:
                let grouped = dollars >= 1000 ? "\(dollars / 1000),\(String(dollars % 1000 + 1000).dropFirst())" : "\(dollars)"
                (priceCell, price) = ("$\(grouped).\(two(hundredths % 100))", plain)
            default:
                (priceCell, price) = (plain, plain)
            }
            let dateCell: String
            let date: String?
            switch next(10) {
            case 0:
                (dateCell, date) = ("", nil)
            case 1:
                (dateCell, date) = ("N/A", nil)
            default:
                let year = [1995, 1998, 2015, 2019, 2021, 2023, 2024, 2025][next(8)]
                let month = 1 + next(12)
                let day = 1 + next(28)
                date = "\(year)-\(two(month))-\(two(day))"
                switch next(3) {
                case 0: dateCell = "\(month)/\(day)/\(two(year % 100))"
                case 1: dateCell = "\(month)/\(day)/\(year)"
                default: dateCell = date!
                }
            }
            let delete = next(33) == 0
            let deleteCell = delete ? ["Yes", "y", "1", "TRUE"][next(4)] : ["", "", "No", "0"][next(4)]
            let row = PETLRow(
                number: "\(prefix)\(i + 1)", cat: cat, sel: sel, activityCell: activity.cell, activity: activity.stored,
                description: description, priceCell: priceCell, price: price, dateCell: dateCell, date: date,
                deleteCell: deleteCell, delete: delete)
            rows.append(row)
        }
        return (csv(of: rows), rows)
    }

    /// The file of `rows`, in their order.
    static func csv(of rows: [PETLRow]) -> [UInt8] {
        var out: [UInt8] = []
        CSVFormatter.appendRecord(header, to: &out)
        for row in rows {
            CSVFormatter.appendRecord(
                [row.number, "", "", row.description, row.priceCell, "EA", "", row.activityCell, row.cat, row.sel, "GEN", "",
                 row.dateCell, row.deleteCell],
                to: &out)
        }
        return out
    }
}
