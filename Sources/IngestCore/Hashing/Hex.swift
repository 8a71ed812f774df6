/// Lowercase hexadecimal text, for digests (file SHA-256, canonical keys) and JSON escapes.
public enum Hex {
    /// `0`…`9`, `a`…`f` as ASCII bytes.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex, two digits a byte, without a String per byte.
    public static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { out in
            for i in 0..<bytes.count {
                out[2 * i] = digits[Int(bytes[i] >> 4)]
                out[2 * i + 1] = digits[Int(bytes[i] & 0x0F)]
            }
            return 2 * bytes.count
        }
    }
}
