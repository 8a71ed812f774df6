public import Importers
public import IngestCore

/// Where an upload goes, decided by its directory below the drop root (DESIGN §1.2).
///
/// A route is written `PATTERN=TYPE[:MODE]`: PATTERN is a directory path below the drop
/// root in which `*` stands for exactly one directory (the project, for XACT types), TYPE a
/// command-line type name, MODE a Golden PETL mode. Files directly in the pattern's directory
/// match; files deeper do not.
public struct RouteTable: Sendable, Equatable {
    /// One route.
    public struct Route: Sendable, Equatable {
        public var pattern: [String]
        public var type: ImportType
        public var mode: ImportOptions.Mode

        /// Parses one `PATTERN=TYPE[:MODE]` entry.
        /// - Throws: ``EntryError`` saying what is wrong with it.
        public init(entry: String) throws(EntryError) {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let target = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard parts.count == 2, let type = ImportType(cliName: target.first ?? "") else {
                let types = ImportType.allCases.map(\.cliName).joined(separator: ", ")
                throw EntryError(message: "'\(entry)' is not PATTERN=TYPE[:MODE] with a known TYPE (\(types))")
            }
            mode = .merge
            if target.count == 2 {
                guard let parsed = ImportOptions.Mode(rawValue: target[1]) else {
                    throw EntryError(message: "'\(entry)': unknown mode '\(target[1])' (merge or replace)")
                }
                mode = parsed
            }
            pattern = parts[0].split(separator: "/").map(String.init)
            guard !pattern.isEmpty, !pattern.contains("..") else {
                throw EntryError(message: "'\(entry)': bad directory pattern (directories below drop_root, `*` for one directory)")
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

        public init(type: ImportType, options: ImportOptions) {
            self.type = type
            self.options = options
        }
    }

    /// The routes, in order; the first match wins.
    public var routes: [Route]

    /// DESIGN §1.2's table.
    public static let defaultEntries = [
        "golden-petl=golden-petl", "golden-petl/replace=golden-petl:replace", "golden-components=golden-components",
        "xact-raw/*=xact-raw", "xact-components/*=xact-components",
    ]

    /// Parses `PATTERN=TYPE[:MODE]` entries.
    /// - Throws: ``ConfigurationError`` naming a malformed entry.
    public init(entries: [String]) throws(ConfigurationError) {
        do {
            routes = try entries.map { entry throws(EntryError) in try Route(entry: entry) }
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
            if matches { return Match(type: route.type, options: ImportOptions(mode: route.mode, project: project)) }
        }
        return nil
    }

    /// Whether some route may match below `directory` (so the agent watches it).
    public func covers(directory: [String]) -> Bool {
        routes.contains { route in
            directory.count <= route.pattern.count
                && zip(route.pattern, directory).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }
}
