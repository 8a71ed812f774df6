/// An import type: the name `import_job.type` stores (`PRICE_LIST`) and the name routes and the
/// command line use (`golden-petl`). Each importer's folder declares its own (e.g.
/// ``priceList``), and ``ImporterRegistry`` lists the importers; nothing else enumerates types.
public struct ImportType: Hashable, Sendable, CustomStringConvertible {
    /// The stored name.
    public let rawValue: String
    /// The name on the command line and in routes.
    public let cliName: String

    public init(rawValue: String, cliName: String) {
        self.rawValue = rawValue
        self.cliName = cliName
    }

    public static func == (lhs: ImportType, rhs: ImportType) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public var description: String { cliName }
}
