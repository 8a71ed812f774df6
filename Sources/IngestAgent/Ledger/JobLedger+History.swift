import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest history` and `rollback`: what importers published, told by the jobs that
/// published it, and a rollback recorded as a job of its own.
extension JobLedger {
    /// `versions` as an importer's history lists them, with each job's file, checksum and
    /// finishing time; versions that need a published job (``PublishedVersion/needsPublishedJob``)
    /// are kept only if theirs SUCCEEDED with data of its own (not a duplicate, not a dry run).
    func published(_ versions: [PublishedVersion]) throws -> [PublishedVersion] {
        let jobs = versions.compactMap(\.job)
        guard !jobs.isEmpty else { return versions }
        var facts: [Int64: (published: Bool, file: String?, sha256: String?, finished: String?)] = [:]
        for row in try connection.query(
            """
            SELECT id, status = 'SUCCEEDED' AND duplicate_of IS NULL AND NOT coalesce((result_json->>'dryRun')::boolean, false),
                   file_name, file_sha256, \(Self.ts("finished_at"))
            FROM import_job WHERE id = ANY(string_to_array($1, ',')::bigint[])
            """, jobs.map(String.init).joined(separator: ",")
        ).rows {
            facts[try row.require(0, as: Int64.self)] = (try row.require(1, as: Bool.self), row[2], row[3], row[4])
        }
        return versions.compactMap { version in
            guard let job = version.job else { return version }
            let known = facts[job]
            if version.needsPublishedJob && known?.published != true { return nil }
            var described = version
            described.file = known?.file ?? version.file
            described.sha256 = known?.sha256
            described.publishedAt = version.publishedAt ?? known?.finished
            return described
        }
    }

    /// A SUCCEEDED job of `type` into `target` that records a rollback (`meta_json.rollback`);
    /// returns its id.
    func recordRollback(type: ImportType, target: String, message: String, rollback: JSONValue, createdBy: String) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO import_job (type, target, status, progress, message, meta_json, result_json, created_by,
                                    started_at, finished_at)
            VALUES ($1, $2, 'SUCCEEDED', 100, $3, $4::jsonb, $4::jsonb, $5, now(), now())
            RETURNING id
            """, type.rawValue, target, message, JSONText.string(JSONValue.object(["rollback": rollback])), createdBy
        ).first!.require(0, as: Int64.self)
    }
}
