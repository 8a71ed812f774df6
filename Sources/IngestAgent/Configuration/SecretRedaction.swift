/// Hides passwords in a libpq connection string, in both of its forms, before anything
/// shows it: `postgresql://user:secret@host/db?password=secret` and
/// `host=db password='se cret'`.
public enum SecretRedaction {
    /// What replaces a secret.
    public static let mask = "********"

    /// `conninfo` with every password replaced by ``mask``.
    public static func conninfo(_ conninfo: String) -> String {
        if conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") {
            return url(conninfo)
        }
        return keywordValue(conninfo)
    }

    /// A URL: the password of the user part, and `password=` query parameters.
    private static func url(_ text: String) -> String {
        var result = text
        let schemeEnd = result.range(of: "://")!.upperBound
        let authorityEnd = result[schemeEnd...].firstIndex { $0 == "/" || $0 == "?" } ?? result.endIndex
        if let at = result[schemeEnd..<authorityEnd].lastIndex(of: "@"),
           let colon = result[schemeEnd..<at].firstIndex(of: ":")
        {
            result.replaceSubrange(result.index(after: colon)..<at, with: mask)
        }
        guard let query = result.firstIndex(of: "?") else { return result }
        let parameters = result[result.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            parameter.lowercased().hasPrefix("password=") ? "password=\(mask)" : String(parameter)
        }
        return String(result[...query]) + parameters.joined(separator: "&")
    }

    /// `keyword=value` pairs: the value of `password` (quoted or not).
    private static func keywordValue(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            // A keyword starts at the beginning or after white space.
            let atWordStart = index == 0 || characters[index - 1] == " " || characters[index - 1] == "\t"
            if atWordStart, let valueStart = passwordValueStart(characters, at: index) {
                result += String(characters[index..<valueStart]) + mask
                index = valueEnd(characters, from: valueStart)
                continue
            }
            result.append(characters[index])
            index += 1
        }
        return result
    }

    /// Where the value begins if `password`, optional spaces, `=`, optional spaces start at `index`.
    private static func passwordValueStart(_ characters: [Character], at index: Int) -> Int? {
        let keyword = Array("password")
        guard index + keyword.count <= characters.count,
              String(characters[index..<index + keyword.count]).lowercased() == "password"
        else { return nil }
        var position = index + keyword.count
        while position < characters.count, characters[position] == " " { position += 1 }
        guard position < characters.count, characters[position] == "=" else { return nil }
        position += 1
        while position < characters.count, characters[position] == " " { position += 1 }
        return position
    }

    /// The end of a value: a quoted one at its closing quote (`\'` escapes), else at white space.
    private static func valueEnd(_ characters: [Character], from start: Int) -> Int {
        var position = start
        if position < characters.count, characters[position] == "'" {
            position += 1
            while position < characters.count, characters[position] != "'" {
                position += characters[position] == "\\" ? 2 : 1
            }
            return min(position + 1, characters.count)
        }
        while position < characters.count, characters[position] != " ", characters[position] != "\t" { position += 1 }
        return position
    }
}
