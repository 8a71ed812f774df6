/// One component row of an estimate's components export (spec §7.1): the raw cells for
/// `raw_component_row` and the parsed values for `component_summary`.
public struct XactComponentRecord: Sendable, Equatable {
    /// `code`, `description`, `tax_status` (cleaned) and the raw `contractor_supplied_raw`,
    /// `quantity_raw`, `unit_raw`, `unit_price_raw`, `total_raw`,
    /// `request_third_party_pricing_raw`, in ``XactComponentsImporter/stagingColumns`` order.
    public var raw: [String?]
    /// The whole record as a JSON object.
    public var rawJSON: String
    /// `component_summary`: code (`""` for a blank one, never nil), description, tax status,
    /// contractor supplied, quantity, unit, unit price, total, request third-party pricing.
    public var summary: [String?]
}
