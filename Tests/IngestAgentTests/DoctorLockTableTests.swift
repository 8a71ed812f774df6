@testable import IngestAgent
import Testing

/// `doctor`'s lock-table check: whether a statement over every partition of the most
/// partitioned table fits in the server's shared lock table, twice.
@Suite("Doctor lock table")
struct DoctorLockTableTests {
    func usage(partitions: Int, indexesEach: Int = 5) -> Doctor.PartitionLocks {
        Doctor.PartitionLocks(
            table: "sow_item", partitions: partitions, indexes: partitions * indexesEach, locksPerTransaction: 64, slots: 100)
    }

    @Test func aSchemaWithoutPartitionsIsFine() {
        #expect(Doctor.lockTableCheck(nil).outcome == .ok)
        #expect(Doctor.lockTableCheck(usage(partitions: 0)).outcome == .ok)
    }

    @Test func fewPartitionsAreFine() {
        let check = Doctor.lockTableCheck(usage(partitions: 40))
        #expect(check.outcome == .ok)
        #expect(check.detail.contains("sow_item has 40 partition(s) with 200 index(es)"))
        #expect(check.detail.contains("about 280 locks; the lock table holds 6400"))
    }

    @Test func moreThanHalfTheTableWarnsAndMoreThanAllOfItFails() {
        let half = Doctor.lockTableCheck(usage(partitions: 500))
        #expect(half.outcome == .warning)
        #expect(half.detail.contains("raise max_locks_per_transaction to at least 128"), "\(half.detail)")
        // The measured failure: 1,003 versions' SOW item partitions with their five indexes.
        let full = Doctor.lockTableCheck(usage(partitions: 1_003))
        #expect(full.outcome == .failed)
        #expect(full.detail.contains("about 7021 locks"))
        #expect(full.detail.contains("at least 192"), "\(full.detail)")
    }
}
