-- When a Golden revision was published (its import finalized), so that what is published is
-- told by the revision itself, not by the state of the job that loaded it. Revisions loaded
-- before nexus-ingest (no job) count as published; so do those of SUCCEEDED jobs.
ALTER TABLE price_list ADD COLUMN published_at timestamptz;
UPDATE price_list p SET published_at = coalesce(j.finished_at, p.created_at)
FROM price_list q LEFT JOIN import_job j ON j.id = q.import_job_id
WHERE q.id = p.id AND (q.import_job_id IS NULL OR j.status = 'SUCCEEDED');
