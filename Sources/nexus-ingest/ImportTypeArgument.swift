import ArgumentParser
import IngestCore

/// The import type `name` as a command names it (`label`: `--type` for `import`, `type` for
/// `history` and `rollback`), with the project rule: XACT types need `--project`, the Golden
/// types take none.
func checkedImportType(_ name: String, project: String?, label: String) throws -> ImportType {
    guard let importType = ImportType(cliName: name) else {
        throw ValidationError("unknown \(label) '\(name)'; use one of: \(ImportType.allCases.map(\.cliName).joined(separator: ", "))")
    }
    switch importType {
    case .xactRaw, .xactComponents:
        guard project?.isEmpty == false else { throw ValidationError("\(label) \(name) needs --project CODE") }
    case .priceList, .priceListComponents:
        if project != nil { throw ValidationError("--project applies to the xact-raw and xact-components types only") }
    }
    return importType
}
