import IngestCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("File byte source")
struct FileByteSourceTests {
    func temporaryDirectory() -> String {
        var template = Array("/tmp/nexus-ingest-unit.XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    func writeFile(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    @Test func scansAFileInBlocks() throws {
        let dir = temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        var text = "Code,Description\n"
        for i in 0..<5000 { text += "C\(i),\"Item, number \(i)\"\n" }
        writeFile("\(dir)/f.csv", text)
        let scanner = CSVScanner(source: try FileByteSource(path: "\(dir)/f.csv"), options: CSVScannerOptions(blockSize: 4096))
        var count = 0
        var last = ""
        try scanner.forEachRecord { record in
            count += 1
            last = record.string(at: 1)
        }
        #expect(count == 5001)
        #expect(last == "Item, number 4999")
        #expect(scanner.bytesRead == text.utf8.count)
    }

    @Test func refusesToFollowASymlink() throws {
        let dir = temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        writeFile("\(dir)/real.csv", "a\n")
        symlink("\(dir)/real.csv", "\(dir)/link.csv")
        let error = try #require(throws: SystemError.self) { try FileByteSource(path: "\(dir)/link.csv") }
        #expect(error.errno == ELOOP)
        #expect(error.description.contains("link.csv"))
    }

    @Test func missingFileNamesThePath() throws {
        let error = try #require(throws: SystemError.self) { try FileByteSource(path: "/nonexistent/x.csv") }
        #expect(error.errno == ENOENT)
        #expect(error.description == "open /nonexistent/x.csv: No such file or directory")
    }
}
