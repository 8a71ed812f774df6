import IngestCore
import NexusIngestSamples

#if canImport(Glibc)
import Glibc
#endif

// Benchmark driver for scripts/bench (run from a release build).
//
//   nexus-ingest-bench generate-components ROWS FILE          Xactimate components layout
//   nexus-ingest-bench generate-legacy-components ROWS FILE   legacy layout (Cat, Sel, Component Code, …)
//   nexus-ingest-bench generate-aggregated-components ROWS FILE  Xactimate layout, ~89 rows per component
//   nexus-ingest-bench golden-items FILE                      the Golden items both layouts match (COPY text)
//   nexus-ingest-bench generate-petl ROWS FILE                Golden PETL price-list export (35 columns)
//   nexus-ingest-bench generate-xact LINES COMPONENTS RAW COMPS  an estimate export and its components export
//   nexus-ingest-bench scan FILE                              scan FILE; print bytes, records, fields, seconds
//
// Files are deterministic for a given row count. Buckets: 10 cats × 5000 sels (S0…S4999).

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    let line = "nexus-ingest-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// One generated row: its index and the bucket a seeded generator drew for it.
struct GeneratedRow {
    var index: Int
    var cat: String
    var sel: String
    var quantity: Double
    var price: Double
    /// The generator's state for this row, for further draws.
    var bits: UInt64
}

/// Writes `header` and `rows` rows made by `makeRow` to `path`, in 1 MiB writes. Rows draw
/// their CAT (one of `benchCats`), SEL (S0…S4999) and numbers from a fixed-seed LCG.
func generate(rows: Int, path: String, seed: UInt64, header: [String], makeRow: (GeneratedRow) -> [String]) {
    guard let file = fopen(path, "w") else { fail("cannot create \(path)") }
    defer { fclose(file) }
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    CSVFormatter.appendRecord(header, to: &out)
    var state = seed
    for i in 0..<rows {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let row = GeneratedRow(
            index: i, cat: benchCats[Int(state >> 60) % benchCats.count], sel: "S\((state >> 40) % 5000)",
            quantity: Double((state >> 20) % 100_000) / 100, price: Double((state >> 8) % 50_000) / 100, bits: state)
        CSVFormatter.appendRecord(makeRow(row), to: &out)
        if out.count >= 1 << 20 {
            _ = out.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            out.removeAll(keepingCapacity: true)
        }
    }
    _ = out.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
}

/// Writes `rows` rows in the Xactimate components layout.
func generateComponents(rows: Int, path: String) {
    let header = ["Code", "Description", "Tax Status", "Contractor Supplied", "Quantity", "Unit", "Unit Price", "Total",
                  "Request third-party pricing"]
    generate(rows: rows, path: path, seed: 0x9E37_79B9_7F4A_7C15, header: header) { row in
        let total = (row.quantity * row.price * 100).rounded() / 100
        let i = row.index
        let description = i % 7 == 0 ? "Board - 1/2\" regular, 4x8 sheet #\(i)" : "Component \(i) of \(row.cat)"
        return ["\(row.cat)\(row.sel)", description, i % 3 == 0 ? "Non-taxable" : "Taxable", "Yes", "\(row.quantity)", "EA",
                "\(row.price)", i % 5 == 0 ? "\(total)*" : "\(total)", ""]
    }
}

/// Writes `rows` rows in the Xactimate components layout in which about 89 rows meet in each
/// resulting component: codes of 10 cats × 1,125 sels (S0…S1124), 15,000 components over the
/// `golden-items` list at 1M rows (a real export with many lines per code).
func generateAggregatedComponents(rows: Int, path: String) {
    let header = ["Code", "Description", "Tax Status", "Contractor Supplied", "Quantity", "Unit", "Unit Price", "Total",
                  "Request third-party pricing"]
    generate(rows: rows, path: path, seed: 0x6A09_E667_F3BC_C908, header: header) { row in
        let code = "\(row.cat)S\((row.bits >> 24) % 1125)"
        let total = (row.quantity * row.price * 100).rounded() / 100
        return [code, "Component of \(code)", row.index % 3 == 0 ? "Non-taxable" : "Taxable", "Yes", "\(row.quantity)", "EA",
                "\(row.price)", "\(total)", ""]
    }
}

/// Scans `path` the way the planner does (every record, every field touched) and reports.
func scan(path: String) throws {
    let begin = monotonicSeconds()
    let scanner = CSVScanner(source: try FileByteSource(path: path))
    var records = 0
    var fields = 0
    var hash = FNV1a64()
    try scanner.forEachRecord { record in
        records += 1
        fields += record.fieldCount
        record.withField(0) { hash.combine($0) }
    }
    let seconds = monotonicSeconds() - begin
    print("bytes=\(scanner.bytesRead) records=\(records) fields=\(fields) seconds=\(seconds) hash=\(hash.value)")
}

let benchCats = ["DRY", "WTR", "PNT", "FRM", "ELE", "PLM", "CLN", "DMO", "INS", "RFG"]

/// Writes `rows` rows in the legacy layout with mostly distinct component codes, so the
/// import's output is about as large as its input (little aggregation).
func generateLegacyComponents(rows: Int, path: String) {
    let header = ["Cat", "Sel", "Activity", "Desc", "Component Code", "Component Desc", "Qty", "Material", "Labor", "Equipment"]
    generate(rows: rows, path: path, seed: 0x2545_F491_4F6C_DD1D, header: header) { row in
        let i = row.index
        return [row.cat, row.sel, "+", "", "K\(i)", i % 7 == 0 ? "Board, 1/2\" #\(i)" : "Part \(i)", "\(row.quantity)",
                "\(row.price)", i % 3 == 0 ? "" : "\(row.price / 2)", ""]
    }
}

/// Writes the Golden items (COPY text: cat, sel, activity, description, canonical_key_hash):
/// every bucket has a `+` item, every third also a `-` item.
func generateGoldenItems(path: String) {
    guard let file = fopen(path, "w") else { fail("cannot create \(path)") }
    defer { fclose(file) }
    var text = ""
    for cat in benchCats {
        for s in 0..<5000 {
            text += "\(cat)\tS\(s)\t+\tItem \(cat) \(s)\t\(cat)-\(s)-plus\n"
            if s % 3 == 0 { text += "\(cat)\tS\(s)\t-\tItem \(cat) \(s)\t\(cat)-\(s)-minus\n" }
        }
    }
    fputs(text, file)
}

/// The header of a Xactimate price-list export, plus the optional `Delete` column.
let petlHeader = [
    "#", "Group Code", "Group Description", "Desc", "Age", "Condition", "Qty", "Item Amount", "Reported Cost",
    "Unit Cost", "Unit", "Coverage", "Activity", "Worker's Wage", "Labor burden", "Labor Overhead", "Material",
    "Equipment", "Market Conditions", "Labor Minimum", "Sales Tax", "RCV", "Life", "Depreciation Type",
    "Depreciation Amount", "Recoverable", "ACV", "Tax", "Replace", "Cat", "Sel", "Owner", "Original Vendor", "Date",
    "Delete",
]

/// Writes `rows` rows of a Golden PETL file: one price per row, except that every 20th row
/// repeats the price of the row 999 before it (a duplicate; the last one wins) and every
/// 50th row is delete-marked; Activity words as real exports have them; money as `1,234.56`
/// or `$1,234.56`; dates in the three shapes.
func generatePETL(rows: Int, path: String) {
    let activities = ["Replace", "Remove", "Remove and Replace", "Detach & Reset", "Materials"]
    func money(_ value: Double) -> String {
        let cents = Int((value * 100).rounded())
        let dollars = cents / 100
        let grouped = dollars >= 1000 ? "\(dollars / 1000),\(String(dollars % 1000 + 1000).dropFirst())" : "\(dollars)"
        return "\(grouped).\(String(cents % 100 + 100).dropFirst())"
    }
    generate(rows: rows, path: path, seed: 0x5851_F42D_4C95_7F2D, header: petlHeader) { row in
        let i = row.index
        let k = i % 20 == 19 && i >= 1000 ? i - 999 : i
        let cat = benchCats[k % benchCats.count]
        let sel = "S\(k / benchCats.count % 5000)"
        let activity = activities[k / 50_000 % activities.count]
        let description = k % 9 == 0 ? "Board, 1/2\" regular #\(k)" : "Item \(cat) \(k)"
        let price = money(row.price)
        let date = switch i % 3 {
        case 0: "\(1 + i % 12)/\(1 + i % 28)/2025"
        case 1: "\(1 + i % 12)/\(1 + i % 28)/24"
        default: "2023-0\(1 + i % 9)-1\(i % 10)"
        }
        return [
            String(i + 1), "", "", description, "0.00", "Average", "1.00", price, "0.00", i % 4 == 0 ? "$" + price : price,
            "EA", "", activity, money(row.price / 3), money(row.price / 8), money(row.price / 6), money(row.quantity),
            "0.00", "0.00", "\(cat)MN-A", "0.00", price, "150.00", "Percent", "0.00", "Yes", price, "Yes", "No", cat, sel,
            "NEXADMIN", "", date, i % 50 == 7 ? "Yes" : "",
        ]
    }
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "generate-components" where arguments.count == 4:
    guard let rows = Int(arguments[2]) else { fail("ROWS must be a number") }
    generateComponents(rows: rows, path: arguments[3])
case "generate-legacy-components" where arguments.count == 4:
    guard let rows = Int(arguments[2]) else { fail("ROWS must be a number") }
    generateLegacyComponents(rows: rows, path: arguments[3])
case "generate-aggregated-components" where arguments.count == 4:
    guard let rows = Int(arguments[2]) else { fail("ROWS must be a number") }
    generateAggregatedComponents(rows: rows, path: arguments[3])
case "generate-petl" where arguments.count == 4:
    guard let rows = Int(arguments[2]) else { fail("ROWS must be a number") }
    generatePETL(rows: rows, path: arguments[3])
case "generate-xact" where arguments.count == 6 || arguments.count == 7:
    guard let lines = Int(arguments[2]), let components = Int(arguments[3]) else { fail("LINES and COMPONENTS must be numbers") }
    guard arguments.count == 6 || Int(arguments[6]).map({ $0 > 0 }) == true else { fail("GLOBAL_EVERY must be a positive number") }
    // 500 × 200 Cat/Sel pairs: about 3 lines per pair at 300k lines, so the allocation
    // writes a few rows per component, as real estimates do, unless one component in every
    // GLOBAL_EVERY falls back to the global allocation (one row per SOW item).
    let generator = XactEstimateGenerator(
        lines: lines, components: components, cats: 500, sels: 200, globalEvery: arguments.count == 7 ? Int(arguments[6]) : nil)
    for (path, bytes) in [(arguments[4], generator.estimateCSV()), (arguments[5], generator.componentsCSV())] {
        guard let file = fopen(path, "w") else { fail("cannot create \(path)") }
        _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
case "golden-items" where arguments.count == 3:
    generateGoldenItems(path: arguments[2])
case "scan" where arguments.count == 3:
    do { try scan(path: arguments[2]) } catch { fail("\(error)") }
default:
    fail("usage: nexus-ingest-bench generate-components ROWS FILE | generate-legacy-components ROWS FILE | generate-aggregated-components ROWS FILE | generate-petl ROWS FILE | generate-xact LINES COMPONENTS RAW COMPS [GLOBAL_EVERY] | golden-items FILE | scan FILE")
}
