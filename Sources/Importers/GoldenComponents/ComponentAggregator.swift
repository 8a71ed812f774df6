import IngestCore
import IngestPostgres

/// Combines a chunk's rows per (CAT, SEL, component code) before they are copied, so that a
/// file in which many rows meet in one component costs about what reading it costs: only the
/// combined rows cross the wire and enter the staging table.
///
/// Each written row is a *part* of a group: its first line, how many rows it combines, that
/// line's description and the exact sums (``DecimalSum``) of its numbers, with the legacy rule
/// that a single row keeps its empty numbers and a sum counts them as 0. The chunk's SQL
/// (``GoldenComponentsImporter/endChunk(_:job:copiedRows:encoding:)``) adds the parts of a group the same
/// way, so the result is the same however the rows were split into parts: a group is written
/// in more than one part only when a sum would not fit 38 digits, when the chunk holds more
/// groups than ``maxGroups`` (memory stays bounded), or every ``flushRows`` rows (progress).
/// A chunk whose first ``probeRows`` rows barely combine is passed through row by row (a file
/// of distinct components gains nothing from a table of them).
///
/// It also tells whether any (CAT, SEL, code) was written more than once (``distinctKeys()``,
/// by the hash values of the keys written, so a collision only takes the slower way): when none
/// was, the chunk's SQL need not group the rows at all (a 500k-row chunk of distinct components:
/// 3.0–4.2 s instead of 5.6–6.3 s for the statement, measured alone).
struct ComponentAggregator {
    /// Groups held at once; beyond it every group is written and the table starts again.
    static let maxGroups = 50_000
    /// Rows after which every group held is written anyway, so that the chunk's COPY moves
    /// while it reads: readers of the job's progress count the rows a chunk's COPY has sent
    /// (`pg_stat_progress_copy`), a lower bound while its rows are combined.
    static let flushRows = 65_536
    /// Rows looked at before deciding whether combining pays: enough that a file of ~90 rows
    /// per component, spread over a few thousand components a chunk, shows it (after 4,096 rows
    /// such a chunk had still met most of its components only once).
    static let probeRows = 32_768
    /// Keys remembered for ``distinctKeys()``, at most (8 bytes each): a chunk that writes more
    /// rows than this is taken to repeat a key. Chunks of 64 MB hold about 1.2M rows of the
    /// legacy layout.
    static let maxKeysTracked = 2_000_000

    private struct Key: Hashable {
        var cat: String
        var sel: String
        var code: String
    }

    /// The sums of quantity, material, labor and equipment, as values (no array to allocate at
    /// every row).
    private struct Sums {
        var quantity = DecimalSum()
        var material = DecimalSum()
        var labor = DecimalSum()
        var equipment = DecimalSum()

        /// Adds the record's numbers, an empty one as 0; false when one would not fit (some may
        /// have been added: the caller keeps the sums it had).
        mutating func add(_ record: GoldenComponentRecord) -> Bool {
            quantity.add(record.quantity ?? "0") && material.add(record.material ?? "0")
                && labor.add(record.labor ?? "0") && equipment.add(record.equipment ?? "0")
        }

        var texts: [String?] { [quantity.text, material.text, labor.text, equipment.text] }
    }

    /// One part of a group.
    private struct Part {
        var line: Int
        var rows: Int
        var record: GoldenComponentRecord
        /// The sums once the part has two rows.
        var sums: Sums?

        init(_ record: GoldenComponentRecord, line: Int) {
            self.line = line
            rows = 1
            self.record = record
            sums = nil
        }

        /// Adds `record`; false, changing nothing, when a sum would not fit.
        mutating func add(_ record: GoldenComponentRecord) -> Bool {
            var next: Sums
            if let sums {
                next = sums
            } else {
                next = Sums()
                guard next.add(self.record) else { return false }
            }
            guard next.add(record) else { return false }
            sums = next
            rows += 1
            return true
        }

        /// The staging row: line, rows, cat, sel, code, description, the four numbers.
        var fields: [String?] {
            let numbers = sums?.texts ?? [record.quantity, record.material, record.labor, record.equipment]
            return [String(line), String(rows), record.cat, record.sel, record.componentCode, record.description] + numbers
        }
    }

    private var groups: [Key: Part] = [:]
    private var seen = 0
    private var passThrough = false
    /// The hash values of the keys written so far, in writing order (a list, sorted once at the
    /// end, takes a third of the memory of a set), while no more than ``maxKeysTracked``.
    private var written: [Int] = []
    /// Whether more than ``maxKeysTracked`` rows were written.
    private var tooManyToTrack = false

    /// Adds one row of the chunk (rows come in file order).
    mutating func add(_ record: GoldenComponentRecord, line: Int, into writer: inout CopyInWriter) throws {
        let key = Key(cat: record.cat, sel: record.sel, code: record.componentCode)
        if passThrough {
            try write(Part(record, line: line), key: key, into: &writer)
            return
        }
        seen += 1
        if let index = groups.index(forKey: key) {
            // In place: one hash of the key a row, no copy of the part.
            if !groups.values[index].add(record) {
                try write(groups.values[index], key: key, into: &writer)
                groups.values[index] = Part(record, line: line)
            }
        } else {
            if groups.count >= Self.maxGroups { try flush(into: &writer) }
            groups[key] = Part(record, line: line)
        }
        // Nine in ten rows their own group: a file of distinct components.
        if seen == Self.probeRows && groups.count * 10 > seen * 9 {
            passThrough = true
            try flush(into: &writer)
        } else if seen % Self.flushRows == 0 {
            try flush(into: &writer)
        }
    }

    /// Writes every part held.
    mutating func flush(into writer: inout CopyInWriter) throws {
        for (key, part) in groups.sorted(by: { $0.value.line < $1.value.line }) {
            try write(part, key: key, into: &writer)
        }
        groups.removeAll(keepingCapacity: true)
    }

    /// Writes one part and notes its key.
    private mutating func write(_ part: Part, key: Key, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow(part.fields)
        guard !tooManyToTrack else { return }
        if written.count == Self.maxKeysTracked {
            tooManyToTrack = true
            written = []
        } else {
            written.append(key.hashValue)
        }
    }

    /// True when no (CAT, SEL, code) was written twice, once every row is written (after
    /// ``flush(into:)``); false also when two keys' hash values are equal, or more than
    /// ``maxKeysTracked`` rows were written.
    mutating func distinctKeys() -> Bool {
        guard !tooManyToTrack else { return false }
        written.sort()
        return zip(written, written.dropFirst()).allSatisfy { $0 != $1 }
    }
}
