import Foundation
@testable import IngestAgent
import IngestCore
import Testing

/// The planner's scanning thread, on real files: the batches hold every record in file order,
/// the SHA-256 is the file's, an error in the file comes after the records before it, and a
/// plan that stops early stops the thread.
@Suite("Scanning ahead")
struct ScanAheadTests {
    /// A file holding `text` in a new directory; removed by the caller with its directory.
    static func file(_ text: String) throws -> (directory: String, path: String) {
        let directory = NSTemporaryDirectory() + "nexus-ingest-scan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/upload.csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return (directory, path)
    }

    /// A record as read: its line, fields and issue.
    struct Read: Equatable {
        var line: Int
        var fields: [String]
        var issue: CSVRecordIssue?

        init(_ record: borrowing CSVRecord) {
            line = record.line
            fields = record.strings()
            issue = record.issue
        }
    }

    /// Every record of `scan`, in the order the batches give them.
    static func records(_ scan: ScanAhead) throws -> [Read] {
        var found: [Read] = []
        while let batch = try scan.next() {
            for index in 0..<batch.count { batch.withRecord(at: index) { found.append(Read($0)) } }
            scan.release(batch)
        }
        return found
    }

    /// Every record of `text`, as the scanner reads it on one thread.
    static func records(_ text: String) throws -> [Read] {
        var found: [Read] = []
        try CSVScanner(source: MemoryByteSource(text)).forEachRecord { found.append(Read($0)) }
        return found
    }

    @Test func batchesHoldEveryRecordInOrderAndTheFilesDigest() throws {
        var text = "code,description\n"
        for row in 0..<5000 { text += "C\(row),\"row \(row), with \"\"quotes\"\"\nand a line break\"\n" }
        let (directory, path) = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for batchBytes in [64, 4096, 1 << 20] {
            let scan = try ScanAhead(path: path, delimiter: .comma, batchBytes: batchBytes)
            #expect(try Self.records(scan) == (try Self.records(text)), "batches of \(batchBytes) bytes")
            let result = scan.result
            #expect(result.sha256 == SHA256.hexDigest(of: Array(text.utf8)))
            #expect(result.bytesRead == Int64(text.utf8.count))
            #expect(result.status?.size == Int64(text.utf8.count))
        }
    }

    @Test func anErrorComesAfterTheRecordsBeforeIt() throws {
        let text = "a,b\n" + (0..<2000).map { "\($0),x\n" }.joined() + "last,\"never closed\n"
        let (directory, path) = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scan = try ScanAhead(path: path, delimiter: .comma, batchBytes: 128)
        var count = 0
        do {
            while let batch = try scan.next() {
                count += batch.count
                scan.release(batch)
            }
            Issue.record("the unterminated quote was not reported")
        } catch let error as CSVScanError {
            #expect(error.code == .unterminatedQuote)
            #expect(error.line == 2002)
        }
        #expect(count == 2001)
    }

    @Test func aPlanThatStopsEarlyStopsTheThread() throws {
        let text = "a,b\n" + (0..<20000).map { "\($0),x\n" }.joined()
        let (directory, path) = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The thread fills every batch and waits for one back; releasing the scan must end it.
        var scan: ScanAhead? = try ScanAhead(path: path, delimiter: .comma, batchBytes: 64)
        #expect(try scan?.next()?.count ?? 0 > 0)
        scan = nil
    }

    @Test func aMissingFileFailsAtOnce() {
        #expect(throws: SystemError.self) { try ScanAhead(path: "/nonexistent/upload.csv", delimiter: .comma) }
    }
}
