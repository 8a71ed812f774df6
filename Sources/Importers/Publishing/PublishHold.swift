public import IngestCore

/// Why a loaded import is not published by itself: it waits, RUNNING, for
/// `nexus-ingest publish JOB` or `nexus-ingest discard JOB`.
public struct PublishHold: Sendable, Equatable {
    /// The guard that holds the job.
    public enum Guard: String, Sendable {
        /// The file loads fewer rows than `min_rows`.
        case minRows = "min_rows"
        /// The publish would remove more of what is current than `max_removed_ratio` allows.
        case maxRemovedRatio = "max_removed_ratio"
        /// The route (or the command line) publishes by hand only.
        case manual = "publish"
    }

    public var guardName: Guard
    /// The operator's sentence: what the publish would do and which limit it passes.
    public var reason: String

    /// The first guard of `policy` that holds a publish of `diff` after the file loaded
    /// `loadedRows` rows; nil when it may go live. Guards are checked before the manual
    /// mode, so that a manual route still says when a file is suspicious.
    public static func check(policy: PublishPolicy, diff: PublishDiff?, loadedRows: Int) -> PublishHold? {
        if policy.minRows > 0, loadedRows < policy.minRows {
            return PublishHold(
                guardName: .minRows,
                reason: "the file loaded \(loadedRows) row(s), fewer than min_rows \(policy.minRows)")
        }
        if let diff {
            let limit = policy.removedRatioLimit(replaces: diff.replaces)
            if limit < 1, diff.removedRatio > limit {
                return PublishHold(
                    guardName: .maxRemovedRatio,
                    reason: "publishing would remove \(diff.removed) of the \(diff.current) current \(diff.unit) "
                        + "(\(PublishDiff.percent(diff.removedRatio)), more than max_removed_ratio \(limit))")
            }
        }
        if policy.mode == .manual {
            return PublishHold(guardName: .manual, reason: "the route publishes by hand only (publish: manual)")
        }
        return nil
    }

    /// The commands that end the wait for `job`.
    public static func commands(job: Int64) -> (publish: String, discard: String) {
        ("nexus-ingest publish \(job)", "nexus-ingest discard \(job)")
    }

    /// The status message of a job held by this.
    public func message(job: Int64) -> String {
        let commands = Self.commands(job: job)
        return "Waiting for approval: \(reason); publish with `\(commands.publish)` or discard with `\(commands.discard)`"
    }

    /// The hold as written into `result_json.waiting` and the status file's `waiting`.
    public func json(job: Int64) -> JSONValue {
        let commands = Self.commands(job: job)
        return [
            "guard": .string(guardName.rawValue), "reason": .string(reason),
            "publishCommand": .string(commands.publish), "discardCommand": .string(commands.discard),
        ]
    }
}
