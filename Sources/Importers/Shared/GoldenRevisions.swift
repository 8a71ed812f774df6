import IngestPostgres

/// The SQL both ends of a Golden PETL import share about revisions of the Golden list.
enum GoldenRevisions {
    /// A Golden list revision.
    struct Revision: Equatable {
        var id: Int64
        var revision: Int
    }

    /// Serializes, per schema, the steps that pick or publish a Golden revision (PETL
    /// `prepare` and `finalize`), until the transaction ends.
    static func lock(_ connection: PostgresConnection) throws {
        try connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('nexus-ingest golden revision ' || current_schema(), 0))")
    }

    /// The *published* Golden revision a new one builds on: the active one, else the latest by
    /// revision (spec §4.1); published means its import finalized (`published_at`), or it was
    /// not imported by nexus-ingest at all. The inactive, partial revisions of running or
    /// failed imports never count. The two differ only after `nexus-ingest rollback golden-petl` activated an
    /// older revision: the next merge starts from that one.
    static func latestPublished(_ connection: PostgresConnection, excluding excluded: Int64? = nil) throws -> Revision? {
        try connection.query(
            """
            SELECT p.id, p.revision FROM price_list p
            WHERE p.kind = 'GOLDEN' AND (p.import_job_id IS NULL OR p.published_at IS NOT NULL)
              AND p.id IS DISTINCT FROM $1::bigint
            ORDER BY p.is_active DESC, p.revision DESC, p.id DESC LIMIT 1
            """, excluded
        ).first.map { Revision(id: try $0.require(0), revision: try $0.require(1)) }
    }
}
