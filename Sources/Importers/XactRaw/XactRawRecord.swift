/// One estimate line, mapped (spec §6.2); numbers are canonical decimal text.
public struct XactRawRecord: Sendable, Equatable {
    /// The file's `#` value (0 when missing or not a number).
    public var lineNo: Int
    /// Field values in ``XactRawImporter/copyColumns`` order, from `group_code` to
    /// `adj_source` (nil is SQL NULL).
    public var values: [String?]
    /// The whole sanitized record as a JSON object.
    public var rawJSON: String
    /// SHA-256 of the 12 signature cells (spec §6.4).
    public var signatureHash: String
    /// The canonical key hash with Activity normalized (DESIGN §3, Q6), for the Golden sync.
    public var canonicalKeyHash: String

    /// The value of `field`.
    public subscript(field: XactRawColumns.Field) -> String? {
        values[XactRawColumns.Field.allCases.firstIndex(of: field)!]
    }
}
