public import IngestCore

/// What a publish would change, against what is current (before it publishes): computed by
/// ``Importer/diff(_:job:)`` in the publishing transaction, kept in `result_json.diff` and the
/// status file, and the measure the guards of ``PublishPolicy`` check.
public struct PublishDiff: Sendable, Equatable {
    /// What is counted: `items` or `components`.
    public var unit: String
    /// How many are current now.
    public var current: Int
    /// How many of the current ones the publish would remove.
    public var removed: Int
    /// How many would be current after the publish.
    public var incoming: Int
    /// Whether the publish replaces the whole current set (a merge keeps what the file does
    /// not name, so it is not).
    public var replaces: Bool
    /// The type's own counts (added, updated, unchanged, price changes, totals, …).
    public var details: [String: JSONValue]

    public init(unit: String, current: Int, removed: Int, incoming: Int, replaces: Bool, details: [String: JSONValue] = [:]) {
        self.unit = unit
        self.current = current
        self.removed = removed
        self.incoming = incoming
        self.replaces = replaces
        self.details = details
    }

    /// The share of what is current that the publish removes (0 when nothing is current).
    public var removedRatio: Double { current == 0 ? 0 : Double(removed) / Double(current) }

    /// The diff as written into `result_json.diff`.
    public var json: JSONValue {
        var members = details
        members["unit"] = .string(unit)
        members["current"] = .int(Int64(current))
        members["removed"] = .int(Int64(removed))
        members["incoming"] = .int(Int64(incoming))
        members["removedRatio"] = .double((removedRatio * 10_000).rounded() / 10_000)
        members["replaces"] = .bool(replaces)
        return .object(members)
    }

    /// `ratio` as a percentage with one decimal (`60.0%`).
    public static func percent(_ ratio: Double) -> String {
        let tenths = Int((ratio * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
