/// Writes CSV the way the scanner reads it: RFC 4180 quoting, LF line ends.
public enum CSVFormatter {
    /// Appends one field, quoted (with doubled inner quotes) when it holds the delimiter, a
    /// quote, CR or LF.
    public static func appendField(_ field: some Collection<UInt8>, delimiter: CSVDelimiter = .comma, to out: inout [UInt8]) {
        let needsQuotes = field.contains { $0 == delimiter.rawValue || $0 == ASCII.quote || $0 == ASCII.cr || $0 == ASCII.lf }
        guard needsQuotes else {
            out.append(contentsOf: field)
            return
        }
        out.append(ASCII.quote)
        for byte in field {
            if byte == ASCII.quote { out.append(ASCII.quote) }
            out.append(byte)
        }
        out.append(ASCII.quote)
    }

    /// Appends one record and an LF. A record of one empty field is written as `""`, so that
    /// it is not read back as an empty line.
    public static func appendRecord(_ fields: [String], delimiter: CSVDelimiter = .comma, to out: inout [UInt8]) {
        if fields.count == 1 && fields[0].isEmpty {
            out.append(contentsOf: [ASCII.quote, ASCII.quote, ASCII.lf])
            return
        }
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(delimiter.rawValue) }
            appendField(field.utf8, delimiter: delimiter, to: &out)
        }
        out.append(ASCII.lf)
    }
}
