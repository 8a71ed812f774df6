-- m0002: what the XACT importers, `retry` and `gc` need beyond m0001.
--
-- * raw_xact_row keeps the row's physical line in the upload (`file_line`; `line_no` is the
--   file's `#` column, which is not reliably sorted), and two hashes the mapper computes
--   once per row: the logical-item signature (spec §6.4) and the canonical key hash with
--   Activity normalized as Golden PETL does (DESIGN §3, Q6) for the Golden sync.
-- * An estimate version follows its XACT_RAW job: when the job fails, a version still
--   `parsing` becomes `failed` with the job's message; when `retry` runs the job again, it
--   is `parsing` again. A trigger, so that every path that fails a job (planner, worker,
--   finalize, recovery, retry) keeps the two in step.
-- * Reader views of what is current.
-- * `import_job.collected_at`: when `gc` removed the partial data of a failed job (its
--   unpublished revision, component set, estimate version or component rows); such a job
--   can no longer be retried.

ALTER TABLE raw_xact_row
    ADD COLUMN file_line          int,
    ADD COLUMN signature_hash     text,
    ADD COLUMN canonical_key_hash text;

CREATE FUNCTION estimate_version_follow_job() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF NEW.status = 'FAILED' THEN
        UPDATE estimate_version
        SET status = 'failed', updated_at = now(),
            error_message = coalesce(NEW.error_json ->> 'message', NEW.message, 'import failed')
        WHERE import_job_id = NEW.id AND status = 'parsing';
    ELSIF NEW.status = 'RUNNING' AND OLD.status = 'FAILED' THEN
        UPDATE estimate_version
        SET status = 'parsing', error_message = NULL, updated_at = now()
        WHERE import_job_id = NEW.id AND status = 'failed';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER import_job_estimate_version_status
    AFTER UPDATE OF status ON import_job
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.type = 'XACT_RAW')
    EXECUTE FUNCTION estimate_version_follow_job();

-- Each project's current estimate: its latest completed version (a version being parsed
-- or a failed one is never current).
CREATE VIEW estimate_version_current AS
SELECT DISTINCT ON (project_id) *
FROM estimate_version
WHERE status = 'completed'
ORDER BY project_id, sequence_no DESC, imported_at DESC NULLS LAST, id DESC;

-- The current component set of every estimate version: the rows of the XACT_COMPONENTS
-- job its finalize made current.
CREATE VIEW component_summary_current AS
SELECT c.*
FROM component_summary c
JOIN estimate_version v ON v.id = c.estimate_version_id AND v.components_import_job_id = c.import_job_id;

CREATE VIEW raw_component_row_current AS
SELECT r.*
FROM raw_component_row r
JOIN estimate_version v ON v.id = r.estimate_version_id AND v.components_import_job_id = r.import_job_id;

CREATE VIEW sow_component_allocation_current AS
SELECT a.*
FROM sow_component_allocation a
JOIN estimate_version v ON v.id = a.estimate_version_id AND v.components_import_job_id = a.import_job_id;

ALTER TABLE import_job ADD COLUMN collected_at timestamptz;
