public import IngestCore

/// Something to do with whichever concrete ``Importer`` an ``ImportType`` names.
public protocol ImporterVisitor {
    associatedtype Output
    func visit<I: Importer>(_ importer: I) throws -> Output
}

/// The importers, by type: the one place that lists them.
public enum ImporterRegistry {
    /// Calls `visitor` with the importer for `type`, configured with `options`.
    public static func visit<V: ImporterVisitor>(_ type: ImportType, options: ImportOptions, _ visitor: V) throws -> V.Output {
        switch type {
        case .priceList:
            return try visitor.visit(GoldenPETLImporter(options: options))
        case .priceListComponents:
            return try visitor.visit(GoldenComponentsImporter())
        case .xactRaw:
            return try visitor.visit(XactRawImporter(options: options))
        case .xactComponents:
            return try visitor.visit(XactComponentsImporter(options: options))
        }
    }
}
