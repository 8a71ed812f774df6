/// Which names in a drop directory can be uploads (DESIGN §1.1). Pure: names only.
enum DropFilter {
    /// Suffixes of files still being uploaded or edited.
    static let temporarySuffixes = [".part", ".filepart", ".tmp", ".partial", "~"]
    /// Suffixes of files nexus-ingest writes next to uploads.
    static let outputSuffixes = [".status.json", ".rejects.csv"]

    /// Why `name` is not a candidate, or nil when it is one.
    static func reasonToIgnore(_ name: String) -> String? {
        if name.hasPrefix(".") { return "hidden" }
        if temporarySuffixes.contains(where: { name.hasSuffix($0) }) { return "temporary upload name" }
        if outputSuffixes.contains(where: { name.hasSuffix($0) }) { return "nexus-ingest output" }
        return nil
    }
}
