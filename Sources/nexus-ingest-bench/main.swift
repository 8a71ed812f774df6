import IngestCore

#if canImport(Glibc)
import Glibc
#endif

// Benchmark driver for scripts/bench (run from a release build).
//
//   nexus-ingest-bench generate-components ROWS FILE   write a deterministic components CSV
//   nexus-ingest-bench scan FILE                       scan FILE; print bytes, records, fields, seconds

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

/// Writes `rows` rows in the Xactimate components layout, deterministic for a given count.
func generateComponents(rows: Int, path: String) {
    guard let file = fopen(path, "w") else { fail("cannot create \(path)") }
    defer { fclose(file) }
    let cats = ["DRY", "WTR", "PNT", "FRM", "ELE", "PLM", "CLN", "DMO", "INS", "RFG"]
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    CSVFormatter.appendRecord(
        ["Code", "Description", "Tax Status", "Contractor Supplied", "Quantity", "Unit", "Unit Price", "Total",
         "Request third-party pricing"], to: &out)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<rows {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let cat = cats[Int(state >> 60) % cats.count]
        let sel = "S\((state >> 40) % 5000)"
        let quantity = Double((state >> 20) % 100_000) / 100
        let price = Double((state >> 8) % 50_000) / 100
        let total = (quantity * price * 100).rounded() / 100
        let description = i % 7 == 0 ? "Board - 1/2\" regular, 4x8 sheet #\(i)" : "Component \(i) of \(cat)"
        CSVFormatter.appendRecord(
            ["\(cat)\(sel)", description, i % 3 == 0 ? "Non-taxable" : "Taxable", "Yes", "\(quantity)", "EA",
             "\(price)", i % 5 == 0 ? "\(total)*" : "\(total)", ""], to: &out)
        if out.count >= 1 << 20 {
            _ = out.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            out.removeAll(keepingCapacity: true)
        }
    }
    _ = out.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
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

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "generate-components" where arguments.count == 4:
    guard let rows = Int(arguments[2]) else { fail("ROWS must be a number") }
    generateComponents(rows: rows, path: arguments[3])
case "scan" where arguments.count == 3:
    do { try scan(path: arguments[2]) } catch { fail("\(error)") }
default:
    fail("usage: nexus-ingest-bench generate-components ROWS FILE | scan FILE")
}
