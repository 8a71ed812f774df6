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
/// groups than ``maxGroups`` (memory stays bounded), or on the ``PartSchedule`` (progress).
/// A chunk whose first ``probeRows`` rows barely combine is passed through row by row (a file
/// of distinct components gains nothing from a table of them).
///
/// A row whose group is held is added from its bytes when they are clean (the mapper's
/// ``GoldenComponentsMapper/componentKey(_:firstField:into:)`` and
/// ``GoldenComponentsMapper/addNumbers(_:firstField:to:)``); only a row that starts a group,
/// or whose cells take cleaning, is mapped. Written on the schedule, a group keeps its
/// key and starts its next part empty, so its further rows are still read from their bytes. The
/// aggregation-heavy 1M-row file: 5.1 s of CPU for the whole import when every row was mapped,
/// 2.9 s with this (`perf`, release build).
///
/// It also tells whether any (CAT, SEL, code) was written more than once (``distinctKeys()``,
/// by the hash values of the keys written, so a collision only takes the slower way): when none
/// was, the chunk's SQL need not group the rows at all (a 500k-row chunk of distinct components:
/// 3.0–4.2 s instead of 5.6–6.3 s for the statement, measured alone).
struct ComponentAggregator {
    /// Groups held at once; beyond it every group is written and the table starts again.
    static let maxGroups = 50_000
    /// When every group held is written anyway, so that the chunk's COPY moves while it reads:
    /// readers of the job's progress count the rows a chunk's COPY has sent
    /// (`pg_stat_progress_copy`), a lower bound while its rows are combined.
    enum PartSchedule: Sendable {
        /// Every this many rows (tests, which must know where the parts are cut).
        case rows(Int)
        /// Once this long has passed since the chunk began or its parts were last written,
        /// looked at every ``clockRows`` rows.
        case elapsed(Duration)
    }

    /// The default schedule: half a second, half the status file's default rewrite interval
    /// (the importer uses half of ``JobContext/progressInterval``), so that every rewrite sees
    /// a chunk's COPY move. Every 65,536 rows instead cut a 500k-row
    /// chunk of 7,500 components, read in about half a second, into 60k parts whose `ANALYZE`
    /// and `GROUP BY` were a third of the chunk's time (`BENCHMARKS.md`, tenth round).
    static let defaultSchedule = PartSchedule.elapsed(.milliseconds(500))
    /// Rows between two looks at the clock on the ``PartSchedule/elapsed(_:)`` schedule.
    static let clockRows = 8_192
    /// Rows looked at before deciding whether combining pays: enough that a file of ~90 rows
    /// per component, spread over a few thousand components a chunk, shows it (after 4,096 rows
    /// such a chunk had still met most of its components only once).
    static let probeRows = 32_768

    /// One part of a group.
    private struct Part {
        /// The first line of the part's rows.
        var line: Int
        /// The rows added; 0 once the part is written and its group waits for more rows (its key
        /// kept, so that they are added from their bytes, with no record to map).
        var rows: Int
        /// The group's first row: its CAT, SEL, code and description, and a one-row part's numbers.
        var record: GoldenComponentRecord
        /// The sums once the part has two rows, or once a part of its group was written.
        var sums: ComponentSums?

        init(_ record: GoldenComponentRecord, line: Int) {
            self.line = line
            rows = 1
            self.record = record
            sums = nil
        }

        /// Empties the part once it is written. Its sums start again at 0: a group written in
        /// more than one part counts its empty numbers as 0, as a sum does.
        mutating func reset() {
            rows = 0
            sums = ComponentSums()
        }

        /// The sums so far, started from the first row if need be; nil when that would not fit.
        private var currentSums: ComponentSums? {
            if let sums { return sums }
            var first = ComponentSums()
            return first.add(record) ? first : nil
        }

        /// Adds `record`, from `line`; false, changing nothing, when a sum would not fit.
        mutating func add(_ record: GoldenComponentRecord, line: Int) -> Bool {
            guard var next = currentSums, next.add(record) else { return false }
            take(next, line: line)
            return true
        }

        /// Adds a row from its bytes; false, changing nothing, when mapping must tell (a number
        /// cell that is not canonical) or a sum would not fit.
        mutating func add(_ row: borrowing CSVRecord, line: Int, from rows: ChunkRows<GoldenComponentsMapper>) -> Bool {
            guard var next = currentSums, rows.mapper.addNumbers(row, firstField: rows.firstField, to: &next) else {
                return false
            }
            take(next, line: line)
            return true
        }

        private mutating func take(_ next: ComponentSums, line: Int) {
            if rows == 0 { self.line = line }
            rows += 1
            sums = next
        }

        /// The staging row: line, rows, cat, sel, code, description, the four numbers.
        var fields: [String?] {
            let numbers = sums?.texts ?? [record.quantity, record.material, record.labor, record.equipment]
            return [String(line), String(rows), record.cat, record.sel, record.componentCode, record.description] + numbers
        }
    }

    private let schedule: PartSchedule
    /// When the parts were last written (or the chunk began), on the elapsed schedule.
    private var lastWritten = ContinuousClock.now
    private var groups: [ComponentKey: Part] = [:]
    /// The key of the row being added (its storage reused from row to row).
    private var key = ComponentKey()
    private var seen = 0
    private var passThrough = false
    /// The keys written so far.
    private var written = KeyHashLog()

    /// An aggregator for one chunk, writing its parts on `schedule` besides the other reasons.
    init(schedule: PartSchedule = Self.defaultSchedule) {
        self.schedule = schedule
    }

    /// Adds one mapped row of the chunk (rows come in file order).
    mutating func add(_ record: GoldenComponentRecord, line: Int, into writer: inout CopyInWriter) throws {
        try add(record, key: ComponentKey(record), line: line, into: &writer)
    }

    /// Adds one row of the chunk (rows come in file order): from its bytes when its group is
    /// held and its cells are clean (nearly every row of a file in which many rows meet in one
    /// component), mapped by `rows` otherwise.
    mutating func add(
        _ row: borrowing CSVRecord, line: Int, from rows: ChunkRows<GoldenComponentsMapper>, into writer: inout CopyInWriter
    ) throws {
        let keyed = rows.mapper.componentKey(row, firstField: rows.firstField, into: &key)
        if keyed, !passThrough, let index = groups.index(forKey: key),
            groups.values[index].add(row, line: line, from: rows)
        {
            try counted(into: &writer)
            return
        }
        let record = try rows.map(row, line: line)
        try add(record, key: keyed ? key : ComponentKey(record), line: line, into: &writer)
    }

    private mutating func add(_ record: GoldenComponentRecord, key: ComponentKey, line: Int, into writer: inout CopyInWriter) throws {
        if passThrough {
            try write(Part(record, line: line), key: key, into: &writer)
            return
        }
        if let index = groups.index(forKey: key) {
            // In place: one hash of the key a row, no copy of the part.
            if !groups.values[index].add(record, line: line) {
                if groups.values[index].rows > 0 { try write(groups.values[index], key: key, into: &writer) }
                groups.values[index] = Part(record, line: line)
            }
        } else {
            if groups.count >= Self.maxGroups { try flush(into: &writer) }
            groups[key] = Part(record, line: line)
        }
        try counted(into: &writer)
    }

    /// After each row combined: the probe, and writing the parts on the schedule.
    private mutating func counted(into writer: inout CopyInWriter) throws {
        seen += 1
        // Nine in ten rows their own group: a file of distinct components.
        if seen == Self.probeRows && groups.count * 10 > seen * 9 {
            passThrough = true
            try flush(into: &writer)
        } else if partsDue() {
            try writeParts(into: &writer)
            groups = groups.mapValues { part in
                var part = part
                part.reset()
                return part
            }
        }
    }

    /// Whether the schedule says to write the parts after this row.
    private mutating func partsDue() -> Bool {
        switch schedule {
        case .rows(let rows):
            return seen % rows == 0
        case .elapsed(let interval):
            guard seen % Self.clockRows == 0 else { return false }
            let now = ContinuousClock.now
            guard now - lastWritten >= interval else { return false }
            lastWritten = now
            return true
        }
    }

    /// Writes every part held and forgets the groups.
    mutating func flush(into writer: inout CopyInWriter) throws {
        try writeParts(into: &writer)
        groups.removeAll(keepingCapacity: true)
    }

    /// Writes every part that holds rows, in line order.
    private mutating func writeParts(into writer: inout CopyInWriter) throws {
        for (key, part) in groups.sorted(by: { $0.value.line < $1.value.line }) where part.rows > 0 {
            try write(part, key: key, into: &writer)
        }
    }

    /// Writes one part and notes its key.
    private mutating func write(_ part: Part, key: ComponentKey, into writer: inout CopyInWriter) throws {
        try writer.writeTextRow(part.fields)
        written.note(key.hashValue)
    }

    /// True when no (CAT, SEL, code) was written twice, once every row is written (after
    /// ``flush(into:)``); false also when two keys' hash values are equal, or more than
    /// ``KeyHashLog/maxKeys`` rows were written.
    mutating func distinctKeys() -> Bool { written.distinct() }
}
