public import IngestCore

/// What a route or the command line says about one import beyond its type.
public struct ImportOptions: Sendable, Equatable {
    /// Golden PETL: how the new revision relates to the previous one.
    public enum Mode: String, Sendable, CaseIterable {
        /// Last row wins, `Delete` marks, untouched previous items carried forward (default).
        case merge
        /// The file is the whole new list.
        case replace
    }

    /// The per-file options a type may require or take (``ImportOptionRules``).
    public enum Option: String, Sendable, CaseIterable {
        /// ``mode``: `--mode`, or a route's `TYPE:MODE`.
        case mode
        /// ``project``: `--project`, or the `*` of a route's pattern.
        case project
        /// ``estimateVersion``: `--estimate-version`.
        case estimateVersion = "estimate-version"
    }

    /// Golden PETL mode (`--mode`, or the `golden-petl/replace/` route).
    public var mode: Mode
    /// XACT imports: the project code (`--project`, or the route's directory name).
    public var project: String?
    /// XACT components: the target estimate version (`--estimate-version`).
    public var estimateVersion: Int64?
    /// XACT raw: create an unknown project for ``company`` instead of failing
    /// (`auto_create_projects`). A planning setting: not saved with the job.
    public var createsProject: Bool
    /// The company that owns a project created by ``createsProject`` (`default_company`).
    public var company: String
    /// When the loaded data may go live: mode and guards.
    public var publish: PublishPolicy

    public init(
        mode: Mode = .merge, project: String? = nil, estimateVersion: Int64? = nil, createsProject: Bool = false,
        company: String = "default", publish: PublishPolicy = PublishPolicy()
    ) {
        self.mode = mode
        self.project = project
        self.estimateVersion = estimateVersion
        self.createsProject = createsProject
        self.company = company
        self.publish = publish
    }

    /// The options as saved in a job's `meta_json`.
    public var json: JSONValue {
        [
            "mode": .string(mode.rawValue), "project": project.map { .string($0) } ?? .null,
            "estimateVersion": estimateVersion.map { .int($0) } ?? .null, "publish": publish.json,
        ]
    }

    /// Options read back from `meta_json` (defaults for anything missing).
    public init(json: JSONValue?) {
        self.init(
            mode: json?["mode"]?.stringValue.flatMap(Mode.init(rawValue:)) ?? .merge,
            project: json?["project"]?.stringValue,
            estimateVersion: json?["estimateVersion"]?.intValue.map(Int64.init),
            publish: PublishPolicy(json: json?["publish"]))
    }
}
