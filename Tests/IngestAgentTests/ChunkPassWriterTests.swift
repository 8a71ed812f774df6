import Foundation
import Importers
@testable import IngestAgent
import IngestCore
import Testing

/// The planner's pass without a database, on real files: every accepted row lands in the chunk
/// its key selects with its line number in front, bad rows go to the rejects file, and the same
/// file gives the same chunks byte for byte (what `retry` relies on).
@Suite("Planner pass")
struct ChunkPassWriterTests {
    @Test func rowsLandInTheirKeysChunkWithTheirLineAndTheSameFileGivesTheSameChunks() throws {
        let directory = NSTemporaryDirectory() + "nexus-ingest-pass-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var csv = "Cat,Sel,Activity,Component Code,Qty,Material,Labor,Equipment\n"
        for row in 0..<600 { csv += "DRY,S\(row % 40),+,C\(row % 7),1,\(row).50,0,0\n" }
        csv += "DRY,S1,+,C1,lots,1,0,0\n"  // line 602: a quantity that is not a number
        let upload = directory + "/components.csv"
        _ = FileManager.default.createFile(atPath: upload, contents: Data(csv.utf8))

        let settings = PipelineSettings(spoolDirectory: directory + "/spool", workers: 2, chunks: .fixed(4))
        let spool = Spool(root: settings.spoolDirectory)
        try spool.create()
        let writer = ChunkPassWriter(importer: GoldenComponentsImporter(), settings: settings, spool: spool)
        let rejects = RejectsWriter(uploadPath: upload)
        let (pass, delimiter, partitions) = try writer.scan(
            job: 1, path: upload, fileSize: Int64(csv.utf8.count), rejects: rejects, progress: { _ in })
        try rejects.finish()
        #expect(delimiter == .comma && partitions == 4)
        #expect(pass.summary.dataRows == 601 && pass.summary.rejectedRows == 1)
        #expect(pass.rowCounts.reduce(0, +) == 600)
        #expect(pass.bytesRead == Int64(csv.utf8.count))
        #expect(try String(contentsOfFile: upload + ".rejects.csv", encoding: .utf8).contains("602"))

        // Each row is `line,<its bytes>`, and a (Cat, Sel, code) key lives in one chunk.
        var chunkOfKey: [String: Int] = [:]
        var first: [Int: [UInt8]] = [:]
        for index in pass.summary.chunkIndexes {
            let path = spool.tmpDirectory(job: 1) + "/" + Spool.chunkFileName(job: 1, index: index)
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            first[index] = bytes
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                let number = Int(fields[0])!
                #expect(csv.split(separator: "\n")[number - 1] == fields.dropFirst().joined(separator: ","))
                let key = fields[1] + fields[2] + fields[4]
                #expect(chunkOfKey[key, default: index] == index)
                chunkOfKey[key] = index
            }
        }

        // The pass `retry` makes for two of the chunks writes the same bytes.
        try FileManager.default.removeItem(atPath: spool.tmpDirectory(job: 1))
        let again = try writer.writeChunks(
            job: 1, path: upload, fileSize: Int64(csv.utf8.count), partitions: partitions, partitionFunction: .current,
            delimiter: delimiter, keep: { $0 >= 2 }, rejects: nil, progress: { _ in })
        #expect(again.sha256 == pass.sha256)
        for index in pass.summary.chunkIndexes where index >= 2 {
            let path = spool.tmpDirectory(job: 1) + "/" + Spool.chunkFileName(job: 1, index: index)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == first[index])
        }
        #expect(!FileManager.default.fileExists(atPath: spool.tmpDirectory(job: 1) + "/" + Spool.chunkFileName(job: 1, index: 0)))
    }
}
