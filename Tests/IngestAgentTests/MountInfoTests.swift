@testable import IngestAgent
import Testing

/// `doctor`'s spool file-system check, from `/proc/self/mountinfo` lines.
@Suite("Spool mount")
struct MountInfoTests {
    static let lines = [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
        "40 22 0:35 / /var/spool rw,relatime shared:20 - tmpfs tmpfs rw,size=1024k",
        #"51 22 0:48 / /srv/shared\040spool rw,relatime shared:30 - nfs4 files:/export/ingest rw,vers=4.2,rsize=1048576,soft,proto=tcp,timeo=600"#,
        "52 22 0:49 / /srv/good rw,relatime shared:31 - nfs4 files:/export/good rw,vers=4.2,hard,lookupcache=positive,actimeo=1",
    ]

    @Test func theLongestMountPointThatHoldsThePathWins() throws {
        #expect(MountInfo.containing("/var/lib/nexus/spool", mountinfo: Self.lines)?.fileSystemType == "ext4")
        #expect(MountInfo.containing("/var/spool/nexus", mountinfo: Self.lines)?.mountPoint == "/var/spool")
        #expect(MountInfo.containing("/var/spoolx", mountinfo: Self.lines)?.mountPoint == "/")
        let shared = try #require(MountInfo.containing("/srv/shared spool/nexus", mountinfo: Self.lines))
        #expect(shared.mountPoint == "/srv/shared spool" && shared.source == "files:/export/ingest" && shared.isNetworkFileSystem)
        #expect(shared.options.contains("soft"))
    }

    @Test func nfsIsAWarningThatNamesTheMountOptionsItNeeds() throws {
        let local = Doctor.spoolMountCheck(try #require(MountInfo.containing("/var/lib/x", mountinfo: Self.lines)))
        #expect(local.outcome == .ok)
        let soft = Doctor.spoolMountCheck(try #require(MountInfo.containing("/srv/shared spool/x", mountinfo: Self.lines)))
        #expect(soft.outcome == .warning)
        #expect(soft.detail.contains("`hard`") && soft.detail.contains("lookupcache=positive") && soft.detail.contains("soft"))
        let good = Doctor.spoolMountCheck(try #require(MountInfo.containing("/srv/good/x", mountinfo: Self.lines)))
        #expect(good.outcome == .warning)  // NFS all the same: the operator should know
        #expect(!good.detail.contains("mount it `hard`") && !good.detail.contains("so that other hosts"))
    }
}
