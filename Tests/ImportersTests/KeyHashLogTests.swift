@testable import Importers
import Testing

@Suite("Key hash log")
struct KeyHashLogTests {
    @Test func distinctValuesInAnyOrderAreDistinct() {
        var log = KeyHashLog()
        for value in [5, -3, 17, 0, Int.max, Int.min, 4] { log.note(value) }
        let distinct = log.distinct()
        #expect(distinct)
        var empty = KeyHashLog()
        let none = empty.distinct()
        #expect(none)
    }

    @Test func aValueNotedTwiceAnywhereIsARepeat() {
        for repeated in [[1, 2, 3, 1], [9, 9], [4, 8, 15, 16, 23, 42, 23]] {
            var log = KeyHashLog()
            for value in repeated { log.note(value) }
            let distinct = log.distinct()
            #expect(!distinct, "\(repeated)")
        }
    }

    @Test func moreKeysThanItKeepsCountAsARepeat() {
        var log = KeyHashLog()
        for value in 0..<KeyHashLog.maxKeys { log.note(value) }
        let atTheLimit = log.distinct()
        #expect(atTheLimit)
        var over = KeyHashLog()
        for value in 0...KeyHashLog.maxKeys { over.note(value) }
        let beyond = over.distinct()
        #expect(!beyond)
    }
}
