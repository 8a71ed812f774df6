public import IngestPostgres

/// The import types this nexus-ingest knows: the one list of importers, and everything the
/// rest of the system derives from it (type names, default routes, option checks,
/// migrations, `gc` rules).
public struct ImporterRegistry: Sendable {
    /// The importers, in the order of help texts and default routes.
    public let importers: [any RegisteredImporter.Type]

    /// The importers that ship. A new type: its folder, and one line here.
    public static let standard = ImporterRegistry(importers: [
        GoldenPETLImporter.self,
        GoldenComponentsImporter.self,
        XactRawImporter.self,
        XactComponentsImporter.self,
    ])

    /// A registry of `importers`; their stored names, command-line names and migration
    /// versions must be unique (a programming error otherwise).
    public init(importers: [any RegisteredImporter.Type]) {
        precondition(Set(importers.map { $0.importType.rawValue }).count == importers.count, "two importers store the same type name")
        precondition(Set(importers.map { $0.importType.cliName }).count == importers.count, "two importers have the same CLI name")
        let versions = Migrations.all.map(\.version) + importers.flatMap { $0.migrations.map { $0.version } }
        precondition(Set(versions).count == versions.count, "two migrations have the same version")
        self.importers = importers
    }

    /// The known types, in order.
    public var types: [ImportType] { importers.map { $0.importType } }

    /// The type stored as `rawValue` (`import_job.type`), if this nexus-ingest knows it.
    public func type(rawValue: String) -> ImportType? { types.first { $0.rawValue == rawValue } }

    /// The type named `cliName` on the command line or in a route.
    public func type(cliName: String) -> ImportType? { types.first { $0.cliName == cliName } }

    /// The command-line names, for messages: `golden-petl, golden-components, …`.
    public var cliNames: String { types.map(\.cliName).joined(separator: ", ") }

    /// What `type` declares about itself.
    /// - Throws: ``ImportFailure`` when this nexus-ingest does not know the type (a job
    ///   written by a newer version).
    public func definition(of type: ImportType) throws(ImportFailure) -> any RegisteredImporter.Type {
        guard let found = importers.first(where: { $0.importType == type }) else {
            throw ImportFailure(code: .precondition, message: "this nexus-ingest does not know the import type \(type.rawValue)")
        }
        return found
    }

    /// The importer for a job of `type` with `options`.
    public func importer(for type: ImportType, options: ImportOptions) throws(ImportFailure) -> any Importer {
        try definition(of: type).init(options: options)
    }

    /// The importer for a job whose `import_job.type` is `rawValue`.
    public func importer(rawValue: String, options: ImportOptions) throws(ImportFailure) -> any Importer {
        guard let type = type(rawValue: rawValue) else {
            throw ImportFailure(code: .precondition, message: "this nexus-ingest does not know the import type \(rawValue)")
        }
        return try importer(for: type, options: options)
    }

    /// Every importer's default routes, in order.
    public var defaultRoutes: [String] { importers.flatMap { $0.defaultRoutes } }

    /// The core migrations followed by every importer's own, by version.
    public var migrations: [Migration] {
        (Migrations.all + importers.flatMap { $0.migrations }).sorted { $0.version < $1.version }
    }

    /// Every importer's `gc` rules, in order.
    public var garbage: [GarbageRule] { importers.flatMap { $0.garbage } }

    /// The first of the `given` per-file options (by how the user spelt each, `--mode`) that
    /// `type` does not take, as a message: `--mode applies to the golden-petl type only`.
    public func misplacedOption(in given: [ImportOptions.Option: String], for type: ImportType) -> String? {
        guard let rules = try? definition(of: type).options else { return nil }
        for option in ImportOptions.Option.allCases {
            guard let spelling = given[option], !rules.accepts(option) else { continue }
            let takers = importers.filter { $0.options.accepts(option) }.map { $0.importType.cliName }
            let plural = takers.count == 1 ? "" : "s"
            return "\(spelling) applies to the \(takers.joined(separator: " and ")) type\(plural) only"
        }
        return nil
    }
}

extension ImporterRegistry: Equatable {
    /// Registries are equal when they list the same types in the same order.
    public static func == (lhs: ImporterRegistry, rhs: ImporterRegistry) -> Bool { lhs.types == rhs.types }
}
