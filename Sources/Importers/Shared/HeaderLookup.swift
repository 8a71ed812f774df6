/// Finds columns by exact, case-sensitive header names (the legacy CSV importers' rule).
public struct HeaderLookup: Sendable {
    /// The header names, in file order.
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }

    /// The position of the first of `alternatives` present in the header ("first non-missing
    /// wins": a present column is used even when its cells are empty).
    public func first(_ alternatives: String...) -> Int? {
        alternatives.lazy.compactMap { positions[$0] }.first
    }

    /// The positions of every one of `alternatives` present, in the order given.
    public func all(_ alternatives: String...) -> [Int] {
        alternatives.compactMap { positions[$0] }
    }

    /// The failure for a required column that is absent.
    public func missing(_ description: String) -> ImportFailure {
        let found = names.map { "'\($0)'" }.joined(separator: ", ")
        return ImportFailure(
            code: .missingColumn, message: "required column \(description) is missing; the header has: \(found)", line: 1)
    }
}
