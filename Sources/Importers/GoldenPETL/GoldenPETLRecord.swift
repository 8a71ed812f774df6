/// One usable row of a Golden PETL file (spec §4.1), as the chunk stages it.
public struct GoldenPETLRecord: Sendable, Equatable {
    /// `Cat`, cleaned (`cleanText`; nil = empty), as every text column below.
    public var cat: String?
    /// `Sel`.
    public var sel: String?
    /// `Activity`, normalized (``ActivityCode``).
    public var activity: String?
    /// `Desc`.
    public var description: String?
    /// `Group Code`.
    public var groupCode: String?
    /// `Group Description`.
    public var groupDescription: String?
    /// `Unit`.
    public var unit: String?
    /// `Coverage`.
    public var coverage: String?
    /// `Owner`.
    public var owner: String?
    /// `Original Vendor`.
    public var sourceVendor: String?
    /// `Unit Cost` as canonical decimal text (nil = empty).
    public var unitPrice: String?
    /// `Date` (nil = empty or not in a date shape).
    public var sourceDate: CalendarDate?
    /// The row carries a delete mark (acted on in merge mode only).
    public var deleteMark: Bool
    /// ``CanonicalKey`` of cat, sel, activity and description as stored.
    public var canonicalKeyHash: String
    /// The raw row as a JSON object: header names → raw cell strings.
    public var rawJSON: String

    public init(
        cat: String?, sel: String?, activity: String?, description: String?, groupCode: String?,
        groupDescription: String?, unit: String?, coverage: String?, owner: String?, sourceVendor: String?,
        unitPrice: String?, sourceDate: CalendarDate?, deleteMark: Bool, canonicalKeyHash: String, rawJSON: String
    ) {
        self.cat = cat
        self.sel = sel
        self.activity = activity
        self.description = description
        self.groupCode = groupCode
        self.groupDescription = groupDescription
        self.unit = unit
        self.coverage = coverage
        self.owner = owner
        self.sourceVendor = sourceVendor
        self.unitPrice = unitPrice
        self.sourceDate = sourceDate
        self.deleteMark = deleteMark
        self.canonicalKeyHash = canonicalKeyHash
        self.rawJSON = rawJSON
    }
}
