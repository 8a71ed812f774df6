import Importers
import IngestCore
import IngestPostgres

/// `nexus-ingest rollback`, recorded as a job of its own.
extension JobLedger {
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
