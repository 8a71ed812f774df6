@testable import IngestAgent
import Foundation
import Importers
import IngestCore
import IngestPostgres
import Testing

/// Database faults (issue #8): a chunk that hits a lock timeout is retried with backoff and
/// the job completes; when the lock outlasts the retry limits the job fails clearly, and
/// `retry` finishes it, loading only the chunks that had not loaded.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs NEXUS_INGEST_TEST_DATABASE_URL (scripts/test starts a server)"))
struct LockTimeoutTests {
    /// Imports `path` on another thread while this one holds the Golden items' table locked
    /// (which each chunk's fan-out to the items must wait for) for `seconds`.
    func importWhileLocked(_ fixture: PipelineFixture, _ path: String, seconds: Double) throws -> JobSnapshot {
        var locking = fixture.configuration
        // Workers give up waiting for a lock after 100 ms (55P03, a transient error).
        locking.databaseURL = TestDatabase.url! + "&options=-c%20lock_timeout%3D100"
        let configuration = locking
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<JobSnapshot, any Error>?
        try fixture.connection.executeScript("BEGIN; LOCK TABLE price_list_item IN ACCESS EXCLUSIVE MODE")
        let thread = Thread {
            outcome = Result { try ImportRunner(configuration: configuration).run(path: path, type: .priceListComponents, force: true, createdBy: "test") }
            done.signal()
        }
        thread.start()
        Thread.sleep(forTimeInterval: seconds)
        try fixture.connection.executeScript("COMMIT")
        done.wait()
        return try outcome!.get()
    }

    @Test func aChunkWaitingForALockIsRetriedUntilItLoads() throws {
        let fixture = try PipelineFixture()
        fixture.settings.initialBackoffMilliseconds = 300
        fixture.settings.chunks = .fixed(2)
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let path = fixture.upload("components.csv", ComponentsFileGenerator.generate(rows: 2_000, seed: 5).csv)
        let job = try importWhileLocked(fixture, path, seconds: 1)
        #expect(job.status == .succeeded, "\(String(describing: job.error))")
        #expect(try fixture.count("SELECT max(attempts) FROM import_chunk") >= 2)
    }

    @Test func aLockOutlastingTheRetriesFailsClearlyAndRetryFinishesTheJob() throws {
        let fixture = try PipelineFixture()
        fixture.settings.initialBackoffMilliseconds = 10
        fixture.settings.maxAttempts = 3
        fixture.settings.workers = 1
        fixture.settings.chunks = .fixed(3)
        try fixture.seedGoldenList(items: ComponentsFileGenerator.items)
        let generated = ComponentsFileGenerator.generate(rows: 3_000, seed: 6)
        let path = fixture.upload("components.csv", generated.csv)
        let failed = try importWhileLocked(fixture, path, seconds: 2)
        #expect(failed.status == .failed)
        #expect(failed.error?["sqlstate"] == "55P03")
        #expect(failed.error?["message"]?.stringValue?.contains("(gave up after 3 attempts)") == true, "\(String(describing: failed.error))")
        let done = try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND state = 'DONE'", failed.id)

        guard case .resumed(let retried) = try RetryRunner(configuration: fixture.configuration).run(job: failed.id, createdBy: "test") else {
            Issue.record("the job was planned again instead of resumed")
            return
        }
        #expect(retried.status == .succeeded, "\(String(describing: retried.error))")
        // Chunks DONE before the failure were loaded once: one attempt each.
        #expect(try fixture.count("SELECT count(*) FROM import_chunk WHERE import_job_id = $1 AND attempts = 1", failed.id) >= done)
        let expected = ExpectedComponents.compute(rows: generated.rows, items: ComponentsFileGenerator.items)
        #expect(try fixture.currentComponents() == expected.components)
    }
}
