#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

@testable import IngestAgent

/// What `gc` takes for a status write's leftover temporary file, and its sweep of a real tree.
@Suite struct LeftoverStatusFilesTests {
    @Test(arguments: [
        (".upload.csv.status.json.1.9f86d081884c7d65.tmp", true),
        (".upload.csv.status.json.4242.0.tmp", true),
        (".Price List (2).csv.status.json.17.tmp", true),  // as versions before 64 random bits named it
        (".upload.csv.1234.tmp", false),  // an SFTP client's upload in progress
        (".upload.csv.status.json.tmp", false),
        (".upload.csv.status.json.x1.tmp", false),
        (".upload.csv.status.json.1.9F86D081.tmp", false),
        (".upload.csv.status.json.1.9f86d081884c7d650.tmp", false),
        (".status.json.1.tmp", false),
        ("upload.csv.status.json.1.ab.tmp", false),
        (".upload.csv.status.json", false),
        (".upload.csv.rejects.csv.1.ab.tmp", false),
    ])
    func names(name: String, leftover: Bool) {
        #expect(LeftoverStatusFiles.isTemporaryStatusName(name) == leftover)
    }

    /// Under a drop root two levels deep: only the leftovers untouched for over an hour go; a
    /// fresh one (a write in progress), other hidden files, status files and uploads stay.
    @Test func theSweepRemovesOnlyOldLeftovers() throws {
        var template = Array("/tmp/nexus-leftovers.XXXXXX".utf8CString)
        let root = try #require(mkdtemp(&template).map { String(cString: $0) })
        defer {
            Files.forEachFile(under: root) { path, _ in try? Files.remove(path) }
            for directory in ["/uploads/pricing/golden-petl", "/uploads/pricing", "/uploads", ""] { rmdir(root + directory) }
        }
        let folder = root + "/uploads/pricing/golden-petl"
        try Files.makeDirectories(folder)
        let twoHoursAgo = time(nil) - 7_200
        func make(_ name: String, modified: time_t? = nil) throws {
            let fd = open(folder + "/" + name, O_CREAT | O_WRONLY, 0o600)
            try #require(fd >= 0)
            if let modified {
                let times = [timespec(tv_sec: modified, tv_nsec: 0), timespec(tv_sec: modified, tv_nsec: 0)]
                try #require(futimens(fd, times) == 0)
            }
            close(fd)
        }
        try make(".list.csv.status.json.1.9f86d081884c7d65.tmp", modified: twoHoursAgo)
        try make(".list.csv.status.json.7.tmp", modified: twoHoursAgo)
        try make(".other.csv.status.json.8.abc.tmp")
        try make(".list.csv.1234.tmp", modified: twoHoursAgo)
        try make("list.csv", modified: twoHoursAgo)
        try make("list.csv.status.json", modified: twoHoursAgo)

        #expect(LeftoverStatusFiles.sweep(under: root, dryRun: true) == 2)
        #expect(try Files.list(folder).count == 6)
        #expect(LeftoverStatusFiles.sweep(under: root, dryRun: false) == 2)
        #expect(try Files.list(folder).sorted() == [".list.csv.1234.tmp", ".other.csv.status.json.8.abc.tmp", "list.csv", "list.csv.status.json"])
        #expect(LeftoverStatusFiles.sweep(under: root + "/missing", dryRun: false) == 0)
    }
}
