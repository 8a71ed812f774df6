import IngestCore
public import IngestPostgres

extension GoldenPETLImporter {
    /// The new revision against the one it started from (the latest published), by canonical
    /// key, before the merge carries anything forward: an item the file supplies is `added`
    /// (unknown before), `updated` (any column but the raw row differs) or `unchanged`; in a
    /// merge the items the file does not name are carried forward (`unchanged`) and only
    /// Delete marks remove; in a replace every item the file lacks is `removed`. Price changes
    /// count the updated items whose unit price differs, with the largest rise and fall. A
    /// previous item without a canonical key (a list not built by nexus-ingest may hold some)
    /// is a current item no row can name: a merge carries it forward, a replace removes it.
    public func diff(_ connection: PostgresConnection, job: JobContext) throws -> PublishDiff? {
        try Self.requireUsableRows(job)
        let merge = try Self.mode(of: job) == .merge
        // From the keys' numbers, which the publish in the same transaction reads again: one
        // join of the build rows and the previous items for both. Under the Golden revision
        // lock, which the publish takes too: an estimate's Golden sync changes the previous
        // revision's prices under it, and the previous prices read here must be those the
        // publish would read.
        try GoldenRevisions.lock(connection)
        try RevisionStorage(listId: try job.id("priceListId")).number(
            connection, previous: job.facts["previousPriceListId"]?.intValue.map(Int64.init), carryForward: merge)
        let row = try connection.query(
            """
            WITH counts AS (
                SELECT count(*) FILTER (WHERE known) AS current_items,
                       count(*) FILTER (WHERE supplied AND NOT known) AS added,
                       count(*) FILTER (WHERE supplied AND known AND differs) AS updated,
                       count(*) FILTER (WHERE supplied AND known AND NOT differs) AS unchanged_supplied,
                       count(*) FILTER (WHERE known AND supplied IS NULL) AS not_named,
                       count(*) FILTER (WHERE known AND NOT supplied) AS deleted,
                       count(*) FILTER (WHERE new_price <> previous_price) AS price_changes
                FROM \(RevisionStorage.numbers)
            ), moved AS (
                SELECT cat, sel, activity, canonical_key_hash, previous_price, new_price, new_price - previous_price AS delta
                FROM \(RevisionStorage.numbers) WHERE new_price <> previous_price
            )
            SELECT c.*,
                   r.cat, r.sel, r.activity, r.previous_price::text, r.new_price::text,
                   f.cat, f.sel, f.activity, f.previous_price::text, f.new_price::text
            FROM counts c
            LEFT JOIN LATERAL (SELECT * FROM moved WHERE delta > 0 ORDER BY delta DESC, cat, sel, activity, canonical_key_hash LIMIT 1) r ON true
            LEFT JOIN LATERAL (SELECT * FROM moved WHERE delta < 0 ORDER BY delta, cat, sel, activity, canonical_key_hash LIMIT 1) f ON true
            """
        ).first!
        let current = try row.require(0, as: Int.self)
        let added = try row.require(1, as: Int.self)
        let updated = try row.require(2, as: Int.self)
        let notNamed = try row.require(4, as: Int.self)
        let deleted = try row.require(5, as: Int.self)
        let removed = merge ? deleted : notNamed + deleted
        let unchanged = try row.require(3, as: Int.self) + (merge ? notNamed : 0)
        func change(at column: Int) throws -> JSONValue {
            guard let old = try row.decode(column + 3, as: String.self), let new = try row.decode(column + 4, as: String.self) else {
                return .null
            }
            return [
                "cat": row[column].map { .string($0) } ?? .null, "sel": row[column + 1].map { .string($0) } ?? .null,
                "activity": row[column + 2].map { .string($0) } ?? .null, "from": .string(old), "to": .string(new),
            ]
        }
        return PublishDiff(
            unit: "items", current: current, removed: removed, incoming: current - removed + added, replaces: !merge,
            details: [
                "added": .int(Int64(added)), "updated": .int(Int64(updated)), "unchanged": .int(Int64(unchanged)),
                "unitPriceChanges": .int(try row.require(6, as: Int64.self)),
                "largestRise": try change(at: 7), "largestFall": try change(at: 12),
            ])
    }

    /// Removes the unpublished revision and its build table.
    public func discard(_ connection: PostgresConnection, job: JobContext) throws {
        let listId = try job.id("priceListId")
        try RevisionStorage.drop(connection, lists: [listId])
        try connection.query("DELETE FROM price_list WHERE id = $1 AND NOT is_active", listId)
    }

    public func lockPublishing(_ connection: PostgresConnection) throws {
        try GoldenRevisions.lock(connection)
    }

    /// The published Golden revisions (their import finalized, or loaded before nexus-ingest),
    /// newest revision first.
    public func history(_ connection: PostgresConnection) throws -> [PublishedVersion] {
        try connection.query(
            """
            SELECT p.id, 'revision ' || p.revision, p.import_job_id, NULL,
                   (SELECT count(*) FROM price_list_item i WHERE i.price_list_id = p.id),
                   \(PublishedVersion.timestamp("coalesce(p.published_at, p.created_at)")), p.is_active, false
            FROM price_list p
            WHERE p.kind = 'GOLDEN' AND (p.import_job_id IS NULL OR p.published_at IS NOT NULL)
            ORDER BY p.revision DESC, p.id DESC
            """
        ).rows.map(PublishedVersion.init(row:))
    }

    /// Activates `version`'s revision: readers, and the next merge, start from it.
    public func makeCurrent(_ connection: PostgresConnection, _ version: PublishedVersion, replacing current: PublishedVersion) throws {
        try connection.query(
            "UPDATE price_list SET is_active = false, updated_at = now() WHERE kind = 'GOLDEN' AND is_active AND id <> $1", version.id)
        try connection.query("UPDATE price_list SET is_active = true, updated_at = now() WHERE id = $1", version.id)
    }
}
