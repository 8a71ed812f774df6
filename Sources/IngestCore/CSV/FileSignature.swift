/// Recognizes uploads that are not CSV text at all from their first bytes, so the failure
/// says what the file is instead of "missing column".
public enum FileSignature {
    /// What is wrong with a file that starts with `bytes`, or nil when it may be CSV.
    public static func problem(startingWith bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
        if starts([0x1F, 0x8B]) { return "the file is gzip-compressed; upload the CSV itself" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "the file is a ZIP archive (an .xlsx workbook?); export it as CSV" }
        if starts([0x25, 0x50, 0x44, 0x46]) { return "the file is a PDF document, not CSV" }
        if starts([0xFF, 0xFE, 0x00, 0x00]) || starts([0x00, 0x00, 0xFE, 0xFF]) {
            return "the file is UTF-32 text; export the CSV as UTF-8"
        }
        if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) { return "the file is UTF-16 text; export the CSV as UTF-8" }
        return nil
    }
}
