/// One usable row of a Golden Components file (spec §5.1), before fan-out to items.
public struct GoldenComponentRecord: Sendable, Equatable {
    /// Bucket Cat: cleaned, upper-cased.
    public var cat: String
    /// Bucket Sel: cleaned, upper-cased.
    public var sel: String
    /// The component code, cleaned.
    public var componentCode: String
    /// The component description, cleaned.
    public var description: String?
    /// Numbers as canonical decimal text (nil = empty).
    public var quantity: String?
    public var material: String?
    public var labor: String?
    public var equipment: String?

    public init(
        cat: String, sel: String, componentCode: String, description: String?, quantity: String?, material: String?,
        labor: String?, equipment: String?
    ) {
        self.cat = cat
        self.sel = sel
        self.componentCode = componentCode
        self.description = description
        self.quantity = quantity
        self.material = material
        self.labor = labor
        self.equipment = equipment
    }
}
