/// The known name closest to a misspelt one, for "did you mean" hints.
enum NearestName {
    /// The name in `names` within a small edit distance of `name` (about one edit per three
    /// characters, at most three), or the one whose last dotted part equals `name`'s (`url`
    /// for `database.url`); nil when none is close.
    static func find(_ name: String, among names: [String]) -> String? {
        let lowered = name.lowercased()
        let limit = min(3, max(1, lowered.count / 3))
        let scored = names.map { ($0, distance(Array(lowered.utf8), Array($0.lowercased().utf8))) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit { return best.0 }
        let last = lowered.split(separator: ".").last.map(String.init) ?? lowered
        return names.first { $0.split(separator: ".").last.map(String.init) == last }
    }

    /// Levenshtein distance (insertions, deletions and substitutions of one byte).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
