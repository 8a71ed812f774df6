import IngestCore

/// The exact sums of a component's quantity, material, labor and equipment, an empty number
/// counted as 0 (values, so that adding a row allocates nothing).
struct ComponentSums {
    var quantity = DecimalSum()
    var material = DecimalSum()
    var labor = DecimalSum()
    var equipment = DecimalSum()

    /// Adds the record's numbers; false when one would not fit (some may have been added: the
    /// caller keeps the sums it had).
    mutating func add(_ record: GoldenComponentRecord) -> Bool {
        quantity.add(record.quantity ?? "0") && material.add(record.material ?? "0")
            && labor.add(record.labor ?? "0") && equipment.add(record.equipment ?? "0")
    }

    /// The four sums as `numeric` text.
    var texts: [String?] { [quantity.text, material.text, labor.text, equipment.text] }
}
