import IngestCore

/// A (CAT, SEL, component code) as ``ComponentAggregator`` groups rows by it: the UTF-8 bytes
/// of the three parts, the first two each led by its length, so that two keys are equal
/// exactly when their parts are equal byte for byte, as the chunk's `GROUP BY` compares them
/// (Swift's String equality would also join canonically equivalent texts, `é` and `e` + U+0301,
/// which PostgreSQL keeps apart).
struct ComponentKey: Hashable {
    private var bytes: [UInt8] = []

    /// An empty key, to be filled by ``append(_:upperCased:last:)``.
    init() {
        bytes.reserveCapacity(64)
    }

    /// The key of a mapped row.
    init(_ record: GoldenComponentRecord) {
        self.init()
        append(record.cat, last: false)
        append(record.sel, last: false)
        append(record.componentCode, last: true)
    }

    private mutating func append(_ part: String, last: Bool) {
        var part = part
        part.withUTF8 { append($0, upperCased: false, last: last) }
    }

    /// Empties the key, keeping its storage.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends the next part (ASCII letters upper-cased if asked); `last` for the code.
    mutating func append(_ part: UnsafeBufferPointer<UInt8>, upperCased: Bool, last: Bool) {
        if !last {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: part.count).littleEndian) { bytes.append(contentsOf: $0) }
        }
        if upperCased {
            bytes.append(contentsOf: part.lazy.map(TextCleaning.asciiUppercased))
        } else {
            bytes.append(contentsOf: part)
        }
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: ComponentKey, rhs: ComponentKey) -> Bool {
        lhs.bytes == rhs.bytes
    }
}
