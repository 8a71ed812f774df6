/// Unit reconciliation (spec §6.3): which of a project's units each grouping code uses,
/// which units are renamed or get their external code, and which are created. Pure: the
/// importer loads the units, applies the plan, and maps rows through it.
public struct UnitReconciler: Sendable {
    /// A unit of the project as stored.
    public struct Unit: Sendable, Equatable {
        /// `project_unit.id`.
        public var id: Int64
        /// The grouping code the unit stands for, if it has been given one.
        public var externalCode: String?
        /// The unit's label, unique in its project.
        public var label: String
        /// A unit as loaded from `project_unit`.
        public init(id: Int64, externalCode: String?, label: String) {
            self.id = id
            self.externalCode = externalCode
            self.label = label
        }
    }

    /// Where one external code's rows go.
    public enum Target: Sendable, Equatable, Hashable {
        /// An existing unit.
        case existing(Int64)
        /// The unit ``Plan/creates`` holds at this index.
        case created(Int)
    }

    /// What to do.
    public struct Plan: Sendable, Equatable {
        /// Changes to existing units: a new label and/or an external code to fill in.
        public var updates: [(id: Int64, label: String?, externalCode: String?)]
        /// Units to create, in order.
        public var creates: [(externalCode: String, label: String)]
        /// The unit of each external code.
        public var targets: [String: Target]
        /// Codes whose label another code of this import creates already (`UNIT_01` and
        /// `UINT_01`): they share that unit.
        public var skippedDuplicatePlannedUnitLabel: Int

        public static func == (a: Plan, b: Plan) -> Bool {
            a.updates.map { "\($0.id)|\($0.label ?? "-")|\($0.externalCode ?? "-")" }
                == b.updates.map { "\($0.id)|\($0.label ?? "-")|\($0.externalCode ?? "-")" }
                && a.creates.map { "\($0.externalCode)|\($0.label)" } == b.creates.map { "\($0.externalCode)|\($0.label)" }
                && a.targets == b.targets && a.skippedDuplicatePlannedUnitLabel == b.skippedDuplicatePlannedUnitLabel
        }
    }

    /// Plans the units for `codes` (external code → desired label), visited in code order so
    /// the result never depends on hash order. For each code: (1) the unit with that
    /// external code, renamed to the desired label when no other unit has it; else (2) the
    /// unit labelled with the desired or the legacy unpadded label (`Unit 1`), given the
    /// external code when it has none and renamed from the legacy label when free; else
    /// (3) a new unit, unless another code of this import creates one with that label.
    public static func plan(existing: [Unit], codes: [String: String]) -> Plan {
        var units = existing.sorted { $0.id < $1.id }
        var labels = Set(units.map(\.label))
        var plan = Plan(updates: [], creates: [], targets: [:], skippedDuplicatePlannedUnitLabel: 0)
        var createdByLabel: [String: Int] = [:]

        func rename(_ index: Int, to label: String) -> String? {
            guard units[index].label != label, !labels.contains(label) else { return nil }
            labels.remove(units[index].label)
            labels.insert(label)
            units[index].label = label
            return label
        }

        for (code, label) in codes.sorted(by: { $0.key < $1.key }) {
            if let index = units.firstIndex(where: { $0.externalCode == code }) {
                if let renamed = rename(index, to: label) {
                    plan.updates.append((units[index].id, renamed, nil))
                }
                plan.targets[code] = .existing(units[index].id)
                continue
            }
            let legacy = UnitGrouping.legacyLabel(of: label)
            if let index = units.firstIndex(where: { $0.label == label })
                ?? units.firstIndex(where: { legacy != nil && $0.label == legacy })
            {
                let backfill = units[index].externalCode == nil ? code : nil
                if backfill != nil { units[index].externalCode = code }
                let renamed = units[index].label == legacy ? rename(index, to: label) : nil
                if backfill != nil || renamed != nil { plan.updates.append((units[index].id, renamed, backfill)) }
                plan.targets[code] = .existing(units[index].id)
                continue
            }
            if let planned = createdByLabel[label] {
                plan.skippedDuplicatePlannedUnitLabel += 1
                plan.targets[code] = .created(planned)
                continue
            }
            createdByLabel[label] = plan.creates.count
            labels.insert(label)
            plan.targets[code] = .created(plan.creates.count)
            plan.creates.append((code, label))
        }
        return plan
    }
}
