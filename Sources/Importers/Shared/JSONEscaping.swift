import IngestCore

/// Builds JSON text from raw UTF-8 cells without going through `String`.
enum JSONEscaping {
    /// The column whose cell holds a NUL character.
    struct NULInColumn: Error {
        var column: Int
    }

    /// The cells of `columns` (those the record has) as one JSON object under `keys`
    /// (from ``keys(_:)``): the raw record the importers keep.
    static func object(
        _ record: borrowing CSVRecord, firstField f: Int, columns: some Sequence<Int>, keys: [[UInt8]]
    ) -> Result<String, NULInColumn> {
        var json: [UInt8] = []
        json.reserveCapacity(1024)
        if let column = appendObject(record, firstField: f, columns: columns, keys: keys, to: &json) {
            return .failure(NULInColumn(column: column))
        }
        return .success(String(decoding: json, as: UTF8.self))
    }

    /// Appends to `json` the object ``object(_:firstField:columns:keys:)`` makes, as UTF-8;
    /// returns the column whose cell holds a NUL (then `json` holds part of the object), or nil.
    static func appendObject(
        _ record: borrowing CSVRecord, firstField f: Int, columns: some Sequence<Int>, keys: [[UInt8]],
        to json: inout [UInt8]
    ) -> Int? {
        json.append(0x7B)
        var first = true
        for column in columns where f + column < record.fieldCount {
            if !first { json.append(0x2C) }
            first = false
            json += keys[column]
            json.append(0x22)
            guard record.withField(f + column, { append($0, to: &json) }) else { return column }
            json.append(0x22)
        }
        json.append(0x7D)
        return nil
    }

    /// True when a cell of `columns` (those the record has) holds a NUL: when ``object(_:firstField:columns:keys:)``
    /// fails for them.
    static func hasNUL(_ record: borrowing CSVRecord, firstField f: Int, columns: some Sequence<Int>) -> Bool {
        guard record.containsNUL else { return false }
        for column in columns where f + column < record.fieldCount {
            if record.withField(f + column, { $0.contains(0) }) { return true }
        }
        return false
    }

    /// Appends `bytes` (UTF-8) JSON-escaped, without quotes; false when they hold a NUL
    /// (PostgreSQL text and jsonb cannot store it).
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        // Runs of bytes that need no escape are copied whole: byte-by-byte appends were a
        // quarter of a Golden PETL import's client time (35 cells a row).
        var runStart = 0
        for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            runStart = index + 1
            switch byte {
            case 0x00: return false
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            default: out += [0x5C, 0x75, 0x30, 0x30, Hex.digit(byte >> 4), Hex.digit(byte & 0x0F)]
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        return true
    }

    /// `columns` in the order in which jsonb keeps an object's keys: the shorter name first, then
    /// byte order; stable, so that of two equal names the later one still wins. PostgreSQL's jsonb
    /// input sorts every object's keys, and keys that arrive in that order cost it one pass:
    /// 3.7 instead of 5.3 µs per 37-key XACT raw row (100k rows parsed alone). jsonb does not
    /// keep the order the text had, so nothing else sees it.
    static func jsonbOrder(_ columns: [Int], names: [String]) -> [Int] {
        columns.enumerated().sorted { a, b in
            let x = names[a.element].utf8, y = names[b.element].utf8
            if x.count != y.count { return x.count < y.count }
            if !x.elementsEqual(y) { return x.lexicographicallyPrecedes(y) }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// `"name":` for each of `names`, ready to append.
    static func keys(_ names: [String]) -> [[UInt8]] {
        names.map { name in
            var key: [UInt8] = [0x22]
            Array(name.utf8).withUnsafeBufferPointer { _ = append($0, to: &key) }
            key += [0x22, 0x3A]
            return key
        }
    }
}
