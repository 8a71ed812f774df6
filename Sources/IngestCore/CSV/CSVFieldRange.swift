/// Where one field's content lies inside its record's bytes (quotes excluded).
@usableFromInline
struct CSVFieldRange: Sendable, Equatable {
    @usableFromInline var start: UInt32
    @usableFromInline var end: UInt32
    /// The content holds doubled quotes (`""`) that stand for one quote.
    @usableFromInline var escaped: Bool

    init(start: Int, end: Int, escaped: Bool) {
        self.start = UInt32(truncatingIfNeeded: start)
        self.end = UInt32(truncatingIfNeeded: end)
        self.escaped = escaped
    }
}
