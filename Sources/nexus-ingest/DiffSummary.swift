import IngestCore

/// A publish diff (`result_json.diff`) in one line for the terminal:
/// `items: 1000 current, 400 after the publish; added 0, removed 600 (60.0%), updated 12, …`.
enum DiffSummary {
    static func text(_ diff: JSONValue) -> String {
        let unit = diff["unit"]?.stringValue ?? "rows"
        var text = "\(unit): \(diff["current"]?.intValue ?? 0) current, \(diff["incoming"]?.intValue ?? 0) after the publish"
        var parts: [String] = []
        if let added = diff["added"]?.intValue { parts.append("added \(added)") }
        let ratio = diff["removedRatio"]?.doubleValue ?? 0
        parts.append("removed \(diff["removed"]?.intValue ?? 0) (\(Double(Int((ratio * 1000).rounded())) / 10)%)")
        for key in ["updated", "changed", "unchanged", "itemsChanged", "unitPriceChanges"] {
            if let value = diff[key]?.intValue { parts.append("\(key) \(value)") }
        }
        for key in ["largestRise", "largestFall"] {
            guard let change = diff[key], change != .null else { continue }
            let item = [change["cat"], change["sel"], change["activity"]].compactMap { $0?.stringValue }.joined(separator: " ")
            parts.append("\(key) \(item) \(change["from"]?.stringValue ?? "?") → \(change["to"]?.stringValue ?? "?")")
        }
        for key in ["rcvTotal", "total"] {
            guard let totals = diff[key] else { continue }
            parts.append("\(key) \(totals["current"]?.stringValue ?? "?") → \(totals["new"]?.stringValue ?? "?")")
        }
        text += "; " + parts.joined(separator: ", ")
        return text
    }
}
