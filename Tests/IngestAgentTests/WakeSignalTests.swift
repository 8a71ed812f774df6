@testable import IngestAgent
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The agent's hand-offs: a signal after the ticket is never lost, and a wait without one
/// times out.
@Suite("Wake signals")
struct WakeSignalTests {
    @Test func aSignalSentBeforeTheWaitIsNotLost() {
        let signal = WakeSignal()
        let ticket = signal.ticket()
        signal.signal()
        let started = monotonicMilliseconds()
        signal.wait(after: ticket, milliseconds: 5000)
        #expect(monotonicMilliseconds() - started < 1000)
    }

    @Test func aWaitWithoutASignalTimesOut() {
        let signal = WakeSignal()
        let started = monotonicMilliseconds()
        signal.wait(after: signal.ticket(), milliseconds: 120)
        let waited = monotonicMilliseconds() - started
        #expect(waited >= 110 && waited < 5000)
    }

    @Test func anotherThreadWakesTheWaiter() {
        let signal = WakeSignal()
        let ticket = signal.ticket()
        BlockingThread.start(name: "test-signal") {
            sleepMilliseconds(50)
            signal.signal()
        }
        let started = monotonicMilliseconds()
        signal.wait(after: ticket, milliseconds: 10_000)
        #expect(monotonicMilliseconds() - started < 5000)
    }
}

/// The watchdog's view of the agent's parts: a beat counts for its allowance; a part that
/// stopped on purpose is not watched.
@Suite("Liveness")
struct LivenessTests {
    @Test func aPartIsOverdueOnlyAfterItsAllowance() {
        let liveness = Liveness()
        #expect(liveness.overdue(now: 0).isEmpty)
        liveness.beat("watcher", now: 1_000, allowance: 500)
        liveness.beat("worker 0", now: 1_000, allowance: 60_000)
        #expect(liveness.overdue(now: 1_400).isEmpty)
        #expect(liveness.overdue(now: 1_600) == ["watcher"])
        liveness.beat("watcher", now: 1_600, allowance: 500)
        #expect(liveness.overdue(now: 1_700).isEmpty)
        #expect(liveness.overdue(now: 70_000) == ["watcher", "worker 0"])
        liveness.retire("watcher")
        #expect(liveness.overdue(now: 70_000) == ["worker 0"])
    }

    @Test func theWatchdogIntervalIsHalfOfWhatSystemdAsksForThisProcess() {
        #expect(WatchdogService.interval(microseconds: "30000000", pid: nil, ownPid: 42) == .seconds(15))
        #expect(WatchdogService.interval(microseconds: "30000000", pid: "42", ownPid: 42) == .seconds(15))
        #expect(WatchdogService.interval(microseconds: "30000000", pid: "7", ownPid: 42) == nil)
        #expect(WatchdogService.interval(microseconds: nil, pid: nil, ownPid: 42) == nil)
        #expect(WatchdogService.interval(microseconds: "0", pid: nil, ownPid: 42) == nil)
        #expect(WatchdogService.interval(microseconds: "soon", pid: nil, ownPid: 42) == nil)
    }
}
