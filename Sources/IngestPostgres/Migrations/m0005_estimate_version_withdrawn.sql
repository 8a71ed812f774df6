-- m0005: what `nexus-ingest rollback xact-raw` needs.
--
-- A project's current estimate is its latest completed version (m0002). A rollback makes an
-- earlier version current again by withdrawing the ones after it (`withdrawn_at`); they stay,
-- with their SOW and components, and a rollback `--to` one of them brings it back. The
-- reader view skips withdrawn versions and keeps its columns (the new column comes last).

ALTER TABLE estimate_version ADD COLUMN withdrawn_at timestamptz;

CREATE OR REPLACE VIEW estimate_version_current AS
SELECT DISTINCT ON (project_id) *
FROM estimate_version
WHERE status = 'completed' AND withdrawn_at IS NULL
ORDER BY project_id, sequence_no DESC, imported_at DESC NULLS LAST, id DESC;
