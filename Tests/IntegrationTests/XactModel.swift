import NexusIngestSamples

/// An independent, simple computation of what an XACT import of a generated estimate must
/// produce (spec §6.3–§6.5, §7.4), straight from the generator's lines — no SQL, no parser.
struct XactModel {
    let generator: XactEstimateGenerator

    /// `label` of each unit the estimate uses.
    var unitLabels: [String] {
        Set(generator.lines.map { Self.unitLabel($0.groupCode) }).sorted()
    }

    /// Full labels of the particles.
    var particleLabels: [String] {
        Set(generator.lines.map { "\(Self.unitLabel($0.groupCode)) - \($0.room)" }).sorted()
    }

    static func unitLabel(_ groupCode: String) -> String {
        if groupCode.isEmpty { return "(No unit)" }
        if groupCode.hasPrefix("UNIT_") { return "Unit " + groupCode.dropFirst(5).prefix(2) }
        return String(groupCode.uppercased().prefix(7))
    }

    /// SOW items in line order: `line|source line|particle|cat|sel|qty|rcv`.
    var sowItems: [String] {
        generator.lines.enumerated().map { index, line in
            "\(index + 1)|\(line.number)|\(Self.unitLabel(line.groupCode)) - \(line.room)|\(line.cat)|\(line.sel)|"
                + "\(Money.text(line.qtyHundredths))|\(line.rcvCents.map { Money.text($0) } ?? "∅")"
        }
    }

    /// Σ (RCV, else item amount), in cents.
    var totalCents: Int { generator.lines.reduce(0) { $0 + ($1.rcvCents ?? $1.itemAmountCents) } }

    /// Per component, in file order: `allocations|basis`, and the quantity and total to
    /// which its allocations must add up.
    var allocations: [(summary: String, quantity: Double, total: Double)] {
        var catSel: [String: (count: Int, weight: Int)] = [:]
        var cats: [String: Int] = [:]
        var weight = 0
        for line in generator.lines {
            let w = max(0, line.rcvCents ?? line.itemAmountCents)
            catSel["\(line.cat)::\(line.sel)", default: (0, 0)].count += 1
            catSel["\(line.cat)::\(line.sel)", default: (0, 0)].weight += w
            cats[line.cat, default: 0] += 1
            weight += w
        }
        let count = generator.lines.count
        return generator.components.map { component in
            let code = component.code.uppercased()
            let letters = code.prefix { $0.isASCII && $0.isLetter }
            let cat = String(letters.prefix(3))
            let sel = String(code.dropFirst(cat.count))
            let summary: String
            if !cat.isEmpty, let group = catSel["\(cat)::\(sel)"], group.weight > 0 {
                summary = "\(group.count)|proportional_rcv_by_cat_sel"
            } else if !cat.isEmpty, let n = cats[cat] {
                let w = generator.lines.filter { $0.cat == cat }.reduce(0) { $0 + max(0, $1.rcvCents ?? $1.itemAmountCents) }
                summary = "\(n)|\(w > 0 ? "proportional_rcv" : "equal")_by_category"
            } else {
                summary = "\(count)|\(weight > 0 ? "proportional_rcv" : "equal")_global"
            }
            return (summary, Double(component.quantityThousandths) / 1000, Double(component.totalCents) / 100)
        }
    }
}
