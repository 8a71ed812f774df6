-- m0010_component_allocation_storage: every XACT components job's allocation in a table of its own.
--
-- sow_component_allocation becomes a table partitioned by import_job_id. A components import
-- creates the table of its allocation (sow_component_allocation_j<job id>) when it is planned,
-- and its publishing transaction (finalize) writes the allocation into it with no index and no
-- foreign key, builds its primary key and indexes, and attaches it as the job's partition,
-- which validates its foreign keys in one pass each. Writing a large allocation into the
-- indexed table with per-row key checks ran at 14k rows/s here (10,024,515 rows in 703 s);
-- written bare and then indexed and keyed, the same rows took 90 s. Readers see the previous
-- set until that transaction commits, as before; a failed finalize attaches nothing, and gc of a
-- superseded set drops its table instead of deleting its rows.
--
-- The partitioned table keeps the foreign keys that remove an allocation with what it spreads:
-- its SOW item and its component summary (both ON DELETE CASCADE). Those of project,
-- estimate_version and import_job are gone: the allocation writes each row from one of the
-- job's component summaries, whose own keys hold the same project, version and job (and remove
-- the summary, hence the allocation, with them), and attaching a partition under a key on
-- import_job would lock the job ledger against every worker's writes while its rows are
-- checked. The ids come from one sequence; the primary key on id is each partition's own (a
-- partitioned table can only be unique on keys that include import_job_id).
--
-- Upgrade in place: the allocations that exist now are moved into one table per job (one
-- INSERT … SELECT per job through the old job index, then its keys), so that every set, current
-- or kept for rollback, is stored the same way and the current view returns the same rows.

ALTER TABLE sow_component_allocation RENAME TO sow_component_allocation_m9;
ALTER TABLE sow_component_allocation_m9 ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE sow_component_allocation_id_seq CACHE 1000;
SELECT setval('sow_component_allocation_id_seq', coalesce((SELECT max(id) FROM sow_component_allocation_m9), 0) + 1, false);

CREATE TABLE sow_component_allocation (
    id                    bigint NOT NULL DEFAULT nextval('sow_component_allocation_id_seq'),
    project_id            bigint NOT NULL,
    estimate_version_id   bigint NOT NULL,
    import_job_id         bigint NOT NULL,
    sow_item_id           bigint NOT NULL,
    component_summary_id  bigint,
    code                  text NOT NULL,
    quantity              numeric,
    total                 numeric,
    allocation_basis      text CONSTRAINT sow_component_allocation_allocation_basis_check CHECK (allocation_basis IN (
                              'proportional_rcv_by_cat_sel', 'equal_by_cat_sel',
                              'proportional_rcv_by_category', 'equal_by_category',
                              'proportional_rcv_global', 'equal_global')),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
) PARTITION BY LIST (import_job_id);
ALTER SEQUENCE sow_component_allocation_id_seq OWNED BY sow_component_allocation.id;

-- The view named the old table: the same columns over the partitioned one.
CREATE OR REPLACE VIEW sow_component_allocation_current AS
SELECT a.*
FROM sow_component_allocation a
JOIN estimate_version v ON v.id = a.estimate_version_id AND v.components_import_job_id = a.import_job_id;

DO $$
DECLARE
    job bigint;
    t text;
BEGIN
    FOR job IN SELECT DISTINCT import_job_id FROM sow_component_allocation_m9 ORDER BY 1 LOOP
        t := 'sow_component_allocation_j' || job;
        EXECUTE format(
            'CREATE TABLE %I (LIKE sow_component_allocation INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
            'CONSTRAINT %I CHECK (import_job_id = %s))', t, t || '_job_check', job);
        EXECUTE format('INSERT INTO %I SELECT * FROM sow_component_allocation_m9 WHERE import_job_id = %s', t, job);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (id)', t, t || '_pkey');
        EXECUTE format('ALTER TABLE sow_component_allocation ATTACH PARTITION %I FOR VALUES IN (%s)', t, job);
    END LOOP;
END
$$;
DROP TABLE sow_component_allocation_m9;

-- Built on every partition that exists now; a new job's partition builds its own before it
-- is attached (AllocationStorage).
CREATE INDEX sow_component_allocation_project_version_code_idx
    ON sow_component_allocation (project_id, estimate_version_id, code);
CREATE INDEX sow_component_allocation_sow_item_idx ON sow_component_allocation (sow_item_id);
CREATE INDEX sow_component_allocation_summary_idx ON sow_component_allocation (component_summary_id);
ALTER TABLE sow_component_allocation
    ADD CONSTRAINT sow_component_allocation_sow_item_id_fkey
        FOREIGN KEY (sow_item_id) REFERENCES sow_item (id) ON DELETE CASCADE,
    ADD CONSTRAINT sow_component_allocation_component_summary_id_fkey
        FOREIGN KEY (component_summary_id) REFERENCES component_summary (id) ON DELETE CASCADE;
