/// The import types, by their `import_job.type` value.
public enum ImportType: String, Sendable, Codable, CaseIterable {
    case priceList = "PRICE_LIST"
    case priceListComponents = "PRICE_LIST_COMPONENTS"
    case xactRaw = "XACT_RAW"
    case xactComponents = "XACT_COMPONENTS"

    /// The name used on the command line and in routes (`golden-components`).
    public var cliName: String {
        switch self {
        case .priceList: "golden-petl"
        case .priceListComponents: "golden-components"
        case .xactRaw: "xact-raw"
        case .xactComponents: "xact-components"
        }
    }

    /// The type named `name` on the command line.
    public init?(cliName name: String) {
        guard let type = Self.allCases.first(where: { $0.cliName == name }) else { return nil }
        self = type
    }
}
