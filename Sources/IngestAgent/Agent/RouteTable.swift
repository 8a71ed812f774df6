public import Importers
import IngestCore

/// Where an upload goes, decided by its directory below the drop root (DESIGN §1.2).
///
/// A route is written `PATTERN=TYPE[:MODE][;option=value…]`: PATTERN is a directory path below
/// the drop root in which `*` stands for exactly one directory (the project, for XACT types),
/// TYPE a command-line type name, MODE a Golden PETL mode. Options: `complete_when` and
/// `marker_suffix` say what makes an upload complete (``CompletionSignal``); `publish`
/// (`auto` or `manual`), `max_removed_ratio` (0–1) and `min_rows` guard what goes live
/// (``PublishPolicy``). Files directly in the
/// pattern's directory match; files deeper do not.
public struct RouteTable: Sendable, Equatable {
    /// One route.
    public struct Route: Sendable, Equatable {
        public var pattern: [String]
        public var type: ImportType
        public var mode: ImportOptions.Mode
        /// What makes an upload of this route complete.
        public var completion: CompletionSignal = .settled
        /// When an import of this route may go live.
        public var publish = PublishPolicy()

        /// Parses one `PATTERN=TYPE[:MODE][;option=value…]` entry naming a type of `importers`.
        /// - Throws: ``EntryError`` saying what is wrong with it.
        public init(entry: String, importers: ImporterRegistry = .standard) throws(EntryError) {
            var options = entry.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingASCIISpaces() }
            let route = options.removeFirst()
            var signal = "settled"
            var markerSuffix = CompletionSignal.defaultMarkerSuffix
            for option in options {
                let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
                switch (pair.first, pair.count) {
                case ("complete_when", 2): signal = pair[1]
                case ("marker_suffix", 2): markerSuffix = pair[1]
                case ("publish", 2):
                    guard let mode = PublishPolicy.Mode(rawValue: pair[1]), mode != .dryRun else {
                        throw EntryError(message: "'\(entry)': publish must be auto or manual, not '\(pair[1])'")
                    }
                    publish.mode = mode
                case ("max_removed_ratio", 2):
                    guard let ratio = Double(pair[1]), ratio >= 0, ratio <= 1 else {
                        throw EntryError(message: "'\(entry)': max_removed_ratio must be a number from 0 to 1 (1 turns it off), not '\(pair[1])'")
                    }
                    publish.maxRemovedRatio = ratio
                case ("min_rows", 2):
                    guard let rows = Int(pair[1]), rows >= 0 else {
                        throw EntryError(message: "'\(entry)': min_rows must be a whole number ≥ 0, not '\(pair[1])'")
                    }
                    publish.minRows = rows
                default:
                    throw EntryError(
                        message: "'\(entry)': unknown route option '\(option)' "
                            + "(complete_when=…, marker_suffix=…, publish=…, max_removed_ratio=…, min_rows=…)")
                }
            }
            switch signal {
            case "settled": completion = .settled
            case "marker":
                guard markerSuffix.hasPrefix("."), markerSuffix.count > 1, !markerSuffix.contains("/") else {
                    throw EntryError(message: "'\(entry)': marker_suffix must start with '.' (e.g. .done)")
                }
                completion = .marker(suffix: markerSuffix)
            case "checksum": completion = .checksum
            default:
                throw EntryError(message: "'\(entry)': complete_when must be settled, marker or checksum, not '\(signal)'")
            }
            let parts = route.split(separator: "=", maxSplits: 1).map(String.init)
            let target = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard parts.count == 2, let type = importers.type(cliName: target.first ?? "") else {
                throw EntryError(message: "'\(entry)' is not PATTERN=TYPE[:MODE] with a known TYPE (\(importers.cliNames))")
            }
            mode = .merge
            if target.count == 2 {
                if let misplaced = importers.misplacedOption(in: [.mode: "a mode (:\(target[1]))"], for: type) {
                    throw EntryError(message: "'\(entry)': \(misplaced)")
                }
                guard let parsed = ImportOptions.Mode(rawValue: target[1]) else {
                    throw EntryError(message: "'\(entry)': unknown mode '\(target[1])' (merge or replace)")
                }
                mode = parsed
            }
            pattern = parts[0].split(separator: "/").map(String.init)
            guard !pattern.isEmpty, !pattern.contains("..") else {
                throw EntryError(message: "'\(entry)': bad directory pattern (directories below drop_root, `*` for one directory)")
            }
            if try! importers.definition(of: type).options.required.contains(.project), !pattern.contains("*") {
                throw EntryError(message: "'\(entry)': \(type.cliName) needs a project: put `*` for the project directory in the pattern")
            }
            self.type = type
        }
    }

    /// A route entry that cannot be parsed.
    public struct EntryError: Error, Sendable {
        /// What is wrong with the entry.
        public var message: String
    }

    /// What a matched upload imports as.
    public struct Match: Sendable, Equatable {
        public var type: ImportType
        public var options: ImportOptions
        /// What makes an upload complete on this route.
        public var completion: CompletionSignal

        public init(type: ImportType, options: ImportOptions, completion: CompletionSignal = .settled) {
            self.type = type
            self.options = options
            self.completion = completion
        }
    }

    /// The routes, in order; the first match wins.
    public var routes: [Route]

    /// Parses `PATTERN=TYPE[:MODE]` entries naming types of `importers` (whose
    /// ``ImporterRegistry/defaultRoutes`` are DESIGN §1.2's table).
    /// - Throws: ``ConfigurationError`` naming a malformed entry.
    public init(entries: [String], importers: ImporterRegistry = .standard) throws(ConfigurationError) {
        do {
            routes = try entries.map { entry throws(EntryError) in try Route(entry: entry, importers: importers) }
        } catch {
            throw ConfigurationError(code: .invalidValue, key: "routes", message: error.message)
        }
    }

    /// The route for a file whose directory below the drop root is `directory` (components).
    public func match(directory: [String]) -> Match? {
        for route in routes where route.pattern.count == directory.count {
            var project: String?
            var matches = true
            for (expected, actual) in zip(route.pattern, directory) {
                if expected == "*" {
                    if actual.hasPrefix(".") { matches = false }
                    project = actual
                } else if expected != actual {
                    matches = false
                }
                if !matches { break }
            }
            if matches {
                return Match(
                    type: route.type, options: ImportOptions(mode: route.mode, project: project, publish: route.publish),
                    completion: route.completion)
            }
        }
        return nil
    }

    /// The suffixes of completion signal files (markers of every route, and `.sha256`
    /// sidecars): never uploads themselves.
    public var signalSuffixes: [String] {
        var suffixes = [CompletionSignal.checksumSuffix, CompletionSignal.defaultMarkerSuffix]
        for route in routes {
            if case .marker(let suffix) = route.completion, !suffixes.contains(suffix) { suffixes.append(suffix) }
        }
        return suffixes
    }

    /// The directories below the drop root that the routes name, parents first: each
    /// pattern up to its first `*` (`golden-petl`, `golden-petl/replace`, `xact-raw`). The
    /// package creates them for the SFTP group (`nexus-ingest config --route-directories`
    /// prints them below `drop_root`).
    public var directories: [String] {
        var directories: [String] = []
        for route in routes {
            let fixed = route.pattern.prefix { $0 != "*" }
            for depth in fixed.indices {
                let directory = fixed[...depth].joined(separator: "/")
                if !directories.contains(directory) { directories.append(directory) }
            }
        }
        return directories
    }

    /// Whether some route may match below `directory` (so the agent watches it).
    public func covers(directory: [String]) -> Bool {
        routes.contains { route in
            directory.count <= route.pattern.count
                && zip(route.pattern, directory).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }
}
