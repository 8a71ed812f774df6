public import IngestCore

/// What must hold before an import goes live (route options `publish`, `max_removed_ratio`,
/// `min_rows`; `import --publish/--max-removed-ratio/--min-rows/--dry-run`). Saved with the
/// job, so the guards a job was planned with are the ones its publish checks.
public struct PublishPolicy: Sendable, Equatable {
    /// When the loaded data becomes current.
    public enum Mode: String, Sendable, CaseIterable {
        /// At once, unless a guard holds it (default).
        case auto
        /// Never by itself: every job waits for `nexus-ingest publish JOB` (write, audit, publish).
        case manual
        /// Never: the diff is computed and reported, then the loaded data is removed.
        case dryRun = "dry-run"
    }

    /// The share of the current items or components a replace-type publish may remove
    /// before a guard holds it.
    public static let defaultMaxRemovedRatio = 0.5

    public var mode: Mode
    /// The share (0–1) of what is current that a publish may remove; nil: the default,
    /// ``defaultMaxRemovedRatio`` for a publish that replaces the whole set, off (1) for a
    /// merge; 1 turns it off.
    public var maxRemovedRatio: Double?
    /// The fewest rows the file must load (accepted data rows); 0 turns it off.
    public var minRows: Int

    public init(mode: Mode = .auto, maxRemovedRatio: Double? = nil, minRows: Int = 0) {
        self.mode = mode
        self.maxRemovedRatio = maxRemovedRatio
        self.minRows = minRows
    }

    /// The limit on the removed share for a publish that does (`replaces`) or does not
    /// replace the whole current set.
    public func removedRatioLimit(replaces: Bool) -> Double {
        maxRemovedRatio ?? (replaces ? Self.defaultMaxRemovedRatio : 1)
    }

    /// The policy as saved in a job's `meta_json` (under `options.publish`).
    public var json: JSONValue {
        [
            "mode": .string(mode.rawValue), "maxRemovedRatio": maxRemovedRatio.map { .double($0) } ?? .null,
            "minRows": .int(Int64(minRows)),
        ]
    }

    /// A policy read back from `meta_json` (defaults for anything missing, as for jobs
    /// planned before guards existed).
    public init(json: JSONValue?) {
        self.init(
            mode: json?["mode"]?.stringValue.flatMap(Mode.init(rawValue:)) ?? .auto,
            maxRemovedRatio: json?["maxRemovedRatio"]?.doubleValue,
            minRows: json?["minRows"]?.intValue ?? 0)
    }
}
