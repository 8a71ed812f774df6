import IngestCore

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
        var key: [UInt8] = []
        key.reserveCapacity(160)
        appendPart(cat, to: &key)
        for part in [sel, activity, description] {
            key.append(0x7C)
            key.append(0x7C)
            appendPart(part, to: &key)
        }
        return hexSHA256(key)
    }

    /// Lowercase hex SHA-256 of `text` as UTF-8.
    public static func hexSHA256(_ text: String) -> String {
        hexSHA256(Array(text.utf8))
    }

    static func hexSHA256(_ bytes: [UInt8]) -> String {
        SHA256.hexDigest(of: bytes)
    }

    /// Combines into `partition` the bytes of ``hexSHA256(_:)`` of `key` (its lowercase hex
    /// digits), as `partition.combine(hexSHA256(key).utf8)` does, without the String.
    static func combineHexSHA256(of key: UnsafeBufferPointer<UInt8>, into partition: inout FNV1a64) {
        SHA256.withDigest(of: UnsafeRawBufferPointer(key)) { digest in
            for byte in digest {
                partition.combine(byte: Hex.digit(byte >> 4))
                partition.combine(byte: Hex.digit(byte & 0x0F))
            }
        }
    }

    /// One normalized part: nil → "", JavaScript whitespace trimmed and collapsed, upper-cased.
    public static func part(_ text: String?) -> String {
        guard let text else { return "" }
        return String(TextCleaning.collapsingWhitespace(text.unicodeScalars)).uppercased()
    }

    /// Appends ``part(_:)`` of `text` as UTF-8: bytewise while the text is ASCII (the usual
    /// case, and the hot path of every import), through ``part(_:)`` otherwise.
    static func appendPart(_ text: String?, to key: inout [UInt8]) {
        guard var text else { return }
        let start = key.count
        let ascii = text.withUTF8 { bytes -> Bool in
            var pendingSpace = false
            for i in 0..<bytes.count {
                let byte = bytes[i]
                if byte >= 0x80 { return false }
                if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                    pendingSpace = key.count > start
                    continue
                }
                if pendingSpace {
                    key.append(0x20)
                    pendingSpace = false
                }
                key.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
            return true
        }
        if !ascii {
            key.removeSubrange(start...)
            key.append(contentsOf: part(text).utf8)
        }
    }
}
