import Importers
import IngestCore
import Testing

/// Which guard holds a publish, and what the hold says (pure rules, no database).
@Suite("Publish guards")
struct PublishHoldTests {
    func diff(current: Int, removed: Int, replaces: Bool = true) -> PublishDiff {
        PublishDiff(unit: "items", current: current, removed: removed, incoming: current - removed, replaces: replaces)
    }

    @Test func theRemovedShareIsHeldOverTheLimitOnly() {
        let policy = PublishPolicy()
        #expect(PublishHold.check(policy: policy, diff: diff(current: 10, removed: 5), loadedRows: 5) == nil)
        let held = PublishHold.check(policy: policy, diff: diff(current: 10, removed: 6), loadedRows: 4)
        #expect(held?.guardName == .maxRemovedRatio)
        #expect(held?.reason == "publishing would remove 6 of the 10 current items (60.0%, more than max_removed_ratio 0.5)")
        #expect(held?.message(job: 42).hasSuffix("publish with `nexus-ingest publish 42` or discard with `nexus-ingest discard 42`") == true)
        // Nothing current: nothing to remove (the first import of a kind).
        #expect(PublishHold.check(policy: policy, diff: diff(current: 0, removed: 0), loadedRows: 1) == nil)
    }

    @Test func aMergeIsNotHeldByDefaultButByAnExplicitLimit() {
        let merge = diff(current: 10, removed: 9, replaces: false)
        #expect(PublishHold.check(policy: PublishPolicy(), diff: merge, loadedRows: 1) == nil)
        #expect(PublishHold.check(policy: PublishPolicy(maxRemovedRatio: 0.2), diff: merge, loadedRows: 1)?.guardName == .maxRemovedRatio)
    }

    @Test func oneTurnsTheRatioOffAndZeroHoldsAnyRemoval() {
        let everything = diff(current: 10, removed: 10)
        #expect(PublishHold.check(policy: PublishPolicy(maxRemovedRatio: 1), diff: everything, loadedRows: 0) == nil)
        #expect(PublishHold.check(policy: PublishPolicy(maxRemovedRatio: 0), diff: diff(current: 10, removed: 1), loadedRows: 9) != nil)
    }

    @Test func minRowsComesFirstAndManualLast() {
        let policy = PublishPolicy(mode: .manual, minRows: 100)
        #expect(PublishHold.check(policy: policy, diff: diff(current: 10, removed: 9), loadedRows: 99)?.guardName == .minRows)
        #expect(PublishHold.check(policy: policy, diff: diff(current: 10, removed: 9), loadedRows: 100)?.guardName == .maxRemovedRatio)
        #expect(PublishHold.check(policy: policy, diff: nil, loadedRows: 100)?.guardName == .manual)
    }

    @Test func thePolicyRoundTripsThroughTheJobsMeta() {
        let policy = PublishPolicy(mode: .dryRun, maxRemovedRatio: 0.25, minRows: 7)
        #expect(PublishPolicy(json: policy.json) == policy)
        #expect(PublishPolicy(json: nil) == PublishPolicy())
        var options = ImportOptions(mode: .replace)
        options.publish = policy
        #expect(ImportOptions(json: options.json).publish == policy)
    }

    @Test func theDiffReportsItsRatio() {
        let json = diff(current: 3, removed: 1).json
        #expect(json["removedRatio"] == .double(0.3333))
        #expect(PublishDiff.percent(1.0 / 3) == "33.3%")
    }
}
