import ArgumentParser
import Importers

/// The import type `name` as a command names it (`label`: `--type` for `import`, `type` for
/// `history` and `rollback`), with its project rule: a type that requires a project needs
/// `--project`, the others take none.
func checkedImportType(_ name: String, project: String?, label: String) throws -> ImportType {
    let importers = ImporterRegistry.standard
    guard let importType = importers.type(cliName: name) else {
        throw ValidationError("unknown \(label) '\(name)'; use one of: \(importers.cliNames)")
    }
    if try importers.definition(of: importType).options.required.contains(.project) {
        guard project?.isEmpty == false else { throw ValidationError("\(label) \(name) needs --project CODE") }
    } else if project != nil, let misplaced = importers.misplacedOption(in: [.project: "--project"], for: importType) {
        throw ValidationError(misplaced)
    }
    return importType
}
