import Importers
import IngestCore
import IngestPostgres

/// The last step of a job (DESIGN §1.5), in the finalizer's transaction: the job locked, the
/// chunks' statistics, then SUCCEEDED, held for approval, or discarded by an operator.
extension JobLedger {
    /// The chunks' statistics of `job`, summed by key.
    func chunkStats(_ job: Int64) throws -> [String: Int] {
        var stats: [String: Int] = [:]
        for row in try connection.query(
            """
            SELECT key, sum(value::bigint) FROM import_chunk, jsonb_each_text(stats_json)
            WHERE import_job_id = $1 GROUP BY key
            """, job
        ).rows {
            stats[try row.require(0, as: String.self)] = try row.require(1, as: Int.self)
        }
        return stats
    }

    /// SUCCEEDED with `result` and `message`.
    func succeed(_ job: Int64, result: [String: JSONValue], message: String) throws {
        try connection.query(
            """
            UPDATE import_job SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(),
                result_json = $2::jsonb, message = $3
            WHERE id = $1
            """, job, JSONText.string(JSONValue.object(result)), message)
    }

    /// Held for approval: still RUNNING, at 95%, with what it waits for in `result`.
    func hold(_ job: Int64, result: [String: JSONValue], message: String) throws {
        try connection.query(
            "UPDATE import_job SET progress = 95, updated_at = now(), result_json = $2::jsonb, message = $3 WHERE id = $1",
            job, JSONText.string(JSONValue.object(result)), message)
    }

    /// A held job an operator discarded: FAILED with `failure`, and collected (`retry` has
    /// nothing left to finish).
    func discardHeld(_ job: Int64, failure: ImportFailure, result: [String: JSONValue]) throws {
        try connection.query(
            """
            UPDATE import_job SET status = 'FAILED', finished_at = now(), updated_at = now(), error_json = $2::jsonb,
                message = $3, result_json = $4::jsonb, collected_at = now()
            WHERE id = $1
            """, job, JSONText.string(failure.json), "Import failed: \(failure.description)", JSONText.string(JSONValue.object(result)))
    }
}
