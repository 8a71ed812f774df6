#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

@testable import IngestAgent

/// `Files.entryName` reads a `readdir(3)` entry's name only as far as its NUL.
@Suite struct DirectoryEntryNameTests {
    /// An entry packed as the kernel packs it (to the length of its name), ending right before
    /// an unmapped page, as the last entry of glibc's buffer can: reading the whole 256-byte
    /// `d_name` field would fault there.
    @Test func entryBeforeAnUnmappedPageIsReadToItsName() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let mapping = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, 2 * page) }
        try #require(mprotect(mapping + page, page, PROT_NONE) == 0)

        let name = Array("upload-1000.csv".utf8)
        let nameOffset = MemoryLayout<dirent>.offset(of: \.d_name)!
        let recordLength = (nameOffset + name.count + 1 + 7) & ~7
        let record = mapping + page - recordLength
        record.initializeMemory(as: UInt8.self, repeating: 0, count: recordLength)
        let entry = record.bindMemory(to: dirent.self, capacity: 1)
        entry.pointee.d_reclen = UInt16(recordLength)
        (record + nameOffset).copyMemory(from: name, byteCount: name.count)

        #expect(Files.entryName(entry) == "upload-1000.csv")
    }

    /// Names in a real directory come back whole, `.` and `..` left out.
    @Test func listingReturnsEveryName() throws {
        var template = Array("/tmp/nexus-entries.XXXXXX".utf8CString)
        let directory = try #require(mkdtemp(&template).map { String(cString: $0) })
        defer { try? Files.removeDirectory(directory) }
        let names = ["a", "b.csv", String(repeating: "n", count: 255), "é.csv"]
        for name in names {
            let fd = open(directory + "/" + name, O_CREAT | O_WRONLY, 0o600)
            try #require(fd >= 0)
            close(fd)
        }
        #expect(try Files.list(directory).sorted() == names.sorted())
    }
}
