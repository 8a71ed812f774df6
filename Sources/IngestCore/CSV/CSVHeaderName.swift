/// Header-name rules of the tolerant XACT raw reader (spec §6.1–§6.2).
public enum CSVHeaderName {
    /// The sanitized name: BOM (U+FEFF) and control characters (U+0000–U+001F, U+007F)
    /// dropped, then trimmed.
    public static func sanitize(_ name: String) -> String {
        TextCleaning.trimmingJavaScriptWhitespace(
            name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0.value != 0xFEFF })
    }

    /// The alias lookup key: lower-cased (ASCII), every run of characters other than
    /// `a-z`, `0-9` and `#` replaced by one space, trimmed. `Worker's Wage` → `worker s wage`.
    public static func lookupKey(_ name: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for var byte in name.utf8 {
            if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
            let kept = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x23
            if !kept {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
