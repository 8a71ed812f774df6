/// Strict UTF-8 validation (no overlong forms, no surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = p.count
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
            } else if b0 < 0xC2 {
                return false
            } else if b0 < 0xE0 {
                guard i + 1 < n, isContinuation(p[i + 1]) else { return false }
                i += 2
            } else if b0 < 0xF0 {
                guard i + 2 < n, isContinuation(p[i + 1]), isContinuation(p[i + 2]) else { return false }
                if b0 == 0xE0 && p[i + 1] < 0xA0 { return false }
                if b0 == 0xED && p[i + 1] > 0x9F { return false }
                i += 3
            } else if b0 < 0xF5 {
                guard i + 3 < n, isContinuation(p[i + 1]), isContinuation(p[i + 2]), isContinuation(p[i + 3])
                else { return false }
                if b0 == 0xF0 && p[i + 1] < 0x90 { return false }
                if b0 == 0xF4 && p[i + 1] > 0x8F { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }

    @inline(__always)
    private static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
}
