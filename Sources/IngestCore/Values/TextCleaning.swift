/// The legacy text rules (spec §1.2), on Unicode scalars.
public enum TextCleaning {
    /// `cleanText`: CRLF/LF → one space; remaining U+0000–U+001F deleted; whitespace runs
    /// collapsed to one space; trimmed; empty → nil.
    public static func clean(_ text: String) -> String? {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            var s = scalars[i]
            i += 1
            if s == "\r" && i < scalars.count && scalars[i] == "\n" {
                i += 1
                s = " "
            } else if s == "\n" {
                s = " "
            } else if s.value < 0x20 {
                continue  // deleted, not turned into a space (quirk Q10)
            }
            if isJavaScriptWhitespace(s) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(s)
        }
        return out.isEmpty ? nil : String(out)
    }

    /// A bucket or key part: cleaned, then upper-cased (ASCII letters only, so that the
    /// result equals PostgreSQL's `upper(x COLLATE "C")` used on the database side).
    public static func keyPart(_ text: String) -> String {
        guard let cleaned = clean(text) else { return "" }
        return asciiUppercased(cleaned)
    }

    /// ASCII letters upper-cased; everything else kept.
    public static func asciiUppercased(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for i in bytes.indices where bytes[i] >= 0x61 && bytes[i] <= 0x7A { bytes[i] -= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// JavaScript's `\s` (used by the legacy `/\s+/g` collapse), beyond the controls that
    /// cleaning deletes first.
    static func isJavaScriptWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }
}
