import IngestCore

/// Golden PETL's Activity normalization (spec §4.2, HEAD since 2026-02-19): Xactimate's
/// activity words become the one-character codes the Golden list stores.
///
/// The value is cleaned first (`cleanText`: trimmed, whitespace runs collapsed, controls
/// deleted; empty → nil), so `Remove  and Replace` maps like `Remove and Replace`. A value
/// that is exactly one of the codes `-` `+` `&` `R` `M` `F` `I` is kept; otherwise its
/// upper-case form is looked up in the word table; anything else stays as cleaned.
/// DESIGN §3 (Q6): the Golden sync of XACT_RAW must normalize with this same function.
public enum ActivityCode {
    /// The codes kept as they are (case-sensitive: `r` is not `R`).
    public static let codes: Set<String> = ["-", "+", "&", "R", "M", "F", "I"]

    /// Upper-case activity words and their codes.
    public static let words: [String: String] = [
        "REMOVE": "-", "DEMO": "-", "DEMOLITION": "-",
        "REPLACE": "+", "INSTALL NEW": "+",
        "REMOVE AND REPLACE": "&", "REMOVE & REPLACE": "&", "R&R": "&", "RNR": "&",
        "DETACH AND RESET": "R", "DETACH & RESET": "R", "D&R": "R", "DNR": "R", "RESET": "R",
        "MATERIALS": "M", "MATERIAL ONLY": "M", "MATERIALS ONLY": "M", "MAT": "M", "MATERIAL": "M",
        "REPAIR": "F", "FIX": "F",
        "INSTALL ONLY": "I", "INSTALL": "I", "LABOR ONLY": "I", "LABOR": "I",
    ]

    /// ``words`` as upper-case ASCII bytes with the byte of their code, by their length in
    /// bytes: a row's word is compared with the few of its length, with no hashing and no
    /// array per row (the planner's hot path).
    private static let wordsByLength: [[(word: [UInt8], code: UInt8)]] = {
        var table = [[(word: [UInt8], code: UInt8)]](repeating: [], count: words.keys.map(\.utf8.count).max()! + 1)
        for (word, code) in words { table[word.utf8.count].append((Array(word.utf8), code.utf8.first!)) }
        return table
    }()

    /// Turns what `key` holds from `start` on, a clean ASCII cell upper-cased, into what
    /// ``CanonicalKey`` makes of ``normalize(_:)`` of that cell: the code of its word, or the
    /// cell as it is (a code upper-cases to itself, and no code is a word). Without a String
    /// per row: the planner's hot path.
    static func replaceWordWithCode(in key: inout KeyBytes, from start: Int) {
        guard let code = code(ofWord: UnsafeBufferPointer(rebasing: key.bytes[start...])) else { return }
        key.removeSuffix(from: start)
        _ = key.append(code)
    }

    /// The code of `cell`, a clean ASCII cell upper-cased, when it is one of ``words``; nil otherwise.
    static func code(ofWord cell: UnsafeBufferPointer<UInt8>) -> UInt8? {
        guard cell.count > 1, cell.count < wordsByLength.count else { return nil }
        for entry in wordsByLength[cell.count] where entry.word.elementsEqual(cell) { return entry.code }
        return nil
    }

    /// The stored Activity for a raw cell: a code, or the cleaned text; nil when empty.
    public static func normalize(_ raw: String) -> String? {
        guard let cleaned = TextCleaning.clean(raw) else { return nil }
        if codes.contains(cleaned) { return cleaned }
        return words[cleaned.uppercased()] ?? cleaned
    }
}
