/// The legacy text rules (spec §1.2), on Unicode scalars.
public enum TextCleaning {
    /// `cleanText`: CRLF/LF → one space; remaining U+0000–U+001F deleted; whitespace runs
    /// collapsed to one space; trimmed; empty → nil.
    public static func clean(_ text: String) -> String? {
        // Nearly every cell is clean already; answering that from its bytes spares the
        // scalar-by-scalar rebuild (a fifth of an import's client time in the profile of
        // a 1M-row Golden Components import).
        if isCleanASCII(text) { return text }
        let collapsed = collapsingWhitespace(lineBreaksAsSpaces(text))
        return collapsed.isEmpty ? nil : String(collapsed)
    }

    /// True when ``clean(_:)`` would return `text` as it is: non-empty printable ASCII with
    /// no space at either end and no two spaces in a row.
    static func isCleanASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isCleanASCII($0) }
    }

    /// True when ``clean(_:)`` would return these UTF-8 bytes as they are: non-empty
    /// printable ASCII with no space at either end and no two spaces in a row.
    @inlinable
    public static func isCleanASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isCleanASCII(bytes) { _ in }
    }

    /// ``isCleanASCII(_:)``, calling `body` with each byte as it goes (so that a planner copies
    /// or hashes a key cell in the pass that checks it; on false, `body` may have seen the
    /// bytes before the one that tells). Inlinable: the planners of every type ask it of the key
    /// cells of every row.
    @inlinable
    public static func isCleanASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt8) -> Void) -> Bool {
        guard let first = bytes.first, let last = bytes.last, first != 0x20, last != 0x20 else { return false }
        var previousSpace = false
        for byte in bytes {
            if byte == 0x20 {
                if previousSpace { return false }
                previousSpace = true
            } else if byte > 0x20 && byte < 0x7F {
                previousSpace = false
            } else {
                return false
            }
            body(byte)
        }
        return true
    }

    /// XACT raw's key-text cleaning (spec §1.2): like ``clean(_:)`` but inner whitespace is
    /// kept as it is; only the ends are trimmed. Empty stays empty.
    public static func keyText(_ text: String) -> String {
        trimmingJavaScriptWhitespace(lineBreaksAsSpaces(text))
    }

    /// `scalars` without leading and trailing ``isJavaScriptWhitespace(_:)`` (JavaScript's `trim`).
    public static func trimmingJavaScriptWhitespace(_ scalars: some BidirectionalCollection<Unicode.Scalar>) -> String {
        guard let first = scalars.firstIndex(where: { !isJavaScriptWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isJavaScriptWhitespace($0) })
        else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }

    /// Steps 2–3 of `cleanText`: each CRLF or LF becomes one space, the other U+0000–U+001F
    /// characters are deleted (a tab or a lone CR vanishes, quirk Q10).
    static func lineBreaksAsSpaces(_ text: String) -> [Unicode.Scalar] {
        var kept: [Unicode.Scalar] = []
        kept.reserveCapacity(text.unicodeScalars.count)
        var scalars = text.unicodeScalars.makeIterator()
        var next = scalars.next()
        while let s = next {
            next = scalars.next()
            if s == "\r" && next == "\n" {
                next = scalars.next()
                kept.append(" ")
            } else if s == "\n" {
                kept.append(" ")
            } else if s.value >= 0x20 {
                kept.append(s)
            }
        }
        return kept
    }

    /// JavaScript's `s.trim().replace(/\s+/g, " ")`: runs of ``isJavaScriptWhitespace(_:)``
    /// become one space, leading and trailing ones go.
    public static func collapsingWhitespace(_ scalars: some Sequence<Unicode.Scalar>) -> String.UnicodeScalarView {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in scalars {
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
        return out
    }

    /// A bucket or key part: cleaned, then upper-cased (ASCII letters only, so that the
    /// result equals PostgreSQL's `upper(x COLLATE "C")` used on the database side).
    public static func keyPart(_ text: String) -> String {
        guard let cleaned = clean(text) else { return "" }
        return asciiUppercased(cleaned)
    }

    /// `byte` upper-cased if it is an ASCII letter.
    @inlinable
    public static func asciiUppercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
    }

    /// ASCII letters upper-cased; everything else kept.
    public static func asciiUppercased(_ text: String) -> String {
        if text.utf8.allSatisfy({ asciiUppercased($0) == $0 }) { return text }
        return String(decoding: text.utf8.map(asciiUppercased), as: UTF8.self)
    }

    /// JavaScript's `\s` (and `trim`'s set): ASCII tab to carriage return, space, and the
    /// Unicode spaces and line separators.
    public static func isJavaScriptWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }
}
