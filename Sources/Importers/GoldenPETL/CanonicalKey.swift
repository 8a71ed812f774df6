import Crypto

/// The canonical key hash, a price's identity across revisions (spec §1.5): the lowercase
/// hex SHA-256 of `CAT||SEL||ACTIVITY||DESC` (UTF-8), each part normalized: nil → "",
/// trimmed, whitespace runs collapsed to one space, upper-cased.
///
/// Whitespace and upper-casing follow JavaScript (`trim`, `/\s+/g`, `toUpperCase`), which
/// the legacy system used to hash every stored Golden and cost-book item, so hashes stay
/// comparable with theirs: Unicode upper-casing (`ß` → `SS`), not ASCII only.
public enum CanonicalKey {
    /// The key string before hashing, e.g. `DRY||1/2||+||DRYWALL - 1/2" HUNG, TAPED, …`.
    public static func string(cat: String?, sel: String?, activity: String?, description: String?) -> String {
        [cat, sel, activity, description].map(part).joined(separator: "||")
    }

    /// The lowercase hex SHA-256 of ``string(cat:sel:activity:description:)``.
    public static func hash(cat: String?, sel: String?, activity: String?, description: String?) -> String {
        hexSHA256(string(cat: cat, sel: sel, activity: activity, description: description))
    }

    /// Lowercase hex SHA-256 of `text` as UTF-8.
    public static func hexSHA256(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// One normalized part: nil → "", JavaScript whitespace trimmed and collapsed, upper-cased.
    public static func part(_ text: String?) -> String {
        guard let text else { return "" }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isJavaScriptWhitespace(scalar) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(scalar)
        }
        return String(out).uppercased()
    }

    /// JavaScript's `\s` (and `trim`'s set): ASCII tab to carriage return, space, and the
    /// Unicode spaces and line separators.
    static func isJavaScriptWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }
}
