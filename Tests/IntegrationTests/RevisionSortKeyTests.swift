@testable import Importers
import IngestPostgres
import Testing

@Suite("Golden revision sort key", .enabled(if: TestDatabase.isConfigured))
struct RevisionSortKeyTests {
    /// Spec §4.3 step 5 numbers a revision by upper-case Cat, Sel, Activity, Description, then
    /// the canonical key; the publish sorts one text (`RevisionStorage.sortKey(of:)`) instead. Both
    /// orders must be the same on the parts that could tell them apart: empty and missing parts,
    /// one part a prefix of another, U+0001 and U+0002 inside a part (legacy rows were never
    /// cleaned), case, non-ASCII text, and ties broken by the key.
    @Test func oneTextSortsAsItsParts() throws {
        let parts: [String?] = [nil, "", "A", "a", "AB", "A\u{1}", "A\u{1}B", "A\u{2}", "A\u{1}\u{2}", "A B", "É", "é", "~", "\u{1}"]
        var generator = SystemRandomNumberGenerator()
        try TestDatabase.withSchema { connection, _ in
            try connection.query(
                "CREATE TABLE item (cat text, sel text, activity text, description text, canonical_key_hash text)")
            for index in 0..<3_000 {
                func part() -> String? { parts.randomElement(using: &generator)! }
                try connection.query(
                    "INSERT INTO item VALUES ($1, $2, $3, $4, $5)", part(), part(), part(), part(), String(index % 1_000 + 1_000))
            }
            let mismatched = try connection.query(
                """
                SELECT count(*) FROM (
                    SELECT row_number() OVER (
                               ORDER BY upper(coalesce(cat, '') COLLATE "C"), coalesce(sel, '') COLLATE "C",
                                        coalesce(activity, '') COLLATE "C", coalesce(description, '') COLLATE "C",
                                        canonical_key_hash COLLATE "C", ctid) AS by_parts,
                           row_number() OVER (ORDER BY (\(RevisionStorage.sortKey(of: "item"))) COLLATE "C", ctid) AS by_text
                    FROM item
                ) n
                WHERE by_parts <> by_text
                """
            ).first!.require(0, as: Int.self)
            #expect(mismatched == 0)
        }
    }
}
