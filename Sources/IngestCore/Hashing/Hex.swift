/// Lowercase hexadecimal text, for digests (file SHA-256, canonical keys) and JSON escapes.
public enum Hex {
    /// The ASCII digit of `nibble` (0…15): `0`…`9`, `a`…`f`. Computed, not looked up: a table
    /// in a global array costs a lazy-initialization check and a bounds check a digit.
    @inline(__always)
    public static func digit(_ nibble: UInt8) -> UInt8 {
        nibble &+ (nibble < 10 ? 0x30 : 0x57)
    }

    /// Writes `bytes` as lowercase hex, two digits a byte, to the start of `out`, which has room
    /// for them.
    public static func write(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= 2 * bytes.count, "no room for the hex digits")
        for i in 0..<bytes.count {
            out[2 * i] = digit(bytes[i] >> 4)
            out[2 * i + 1] = digit(bytes[i] & 0x0F)
        }
    }

    /// `bytes` as lowercase hex, two digits a byte, without a String per byte.
    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in
            write(bytes, to: out)
            return 2 * bytes.count
        }
    }
}
