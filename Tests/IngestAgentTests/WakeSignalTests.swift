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
