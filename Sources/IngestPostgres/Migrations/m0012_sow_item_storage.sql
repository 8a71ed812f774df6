-- m0012_sow_item_storage: every estimate version's SOW items in a table of their own.
--
-- sow_item becomes a table partitioned by estimate_version_id. An XACT raw import's publishing
-- transaction (finalize) writes the version's items into sow_item_v<version id>, a table with
-- no index and no foreign key, builds its keys and indexes, and attaches it as the version's
-- partition (its four foreign keys validated in one pass each). Written into the indexed
-- table, each of 300k items cost five foreign-key triggers and four index insertions: 10.6 s
-- of a 22.6 s import; written bare, then indexed and keyed, the same rows took 3.1 s.
-- Readers see the previous version until that transaction commits, as before; a failed
-- finalize attaches nothing.
--
-- A partitioned table is unique only on keys that include estimate_version_id, so the key of
-- a SOW item for the tables that refer to one is (id, estimate_version_id): the allocation,
-- which holds the version of the item it spreads onto, refers to it by both. Ids still come
-- from one sequence for every version. The key to estimate_version is gone: a version's items
-- are its partition's rows, and they go with the version through their SOW (sow_id, ON DELETE
-- CASCADE), whose own key to estimate_version cascades. Attaching a partition under a key on
-- estimate_version would lock that table against every other import's writes while the rows
-- are checked.
--
-- Upgrade in place: the existing items move into tables of at most 512 versions each
-- (sow_item_m<first version>_<last version>; a partition's bound is stored in its pg_class
-- row, which cannot exceed a page), so that the current rows stay what they were. Items that
-- other tools write for a version without a partition land in sow_item_default; each attach
-- checks that table for rows of the new version by a scan of it: keep it small.

-- The allocation's key to the old table.
ALTER TABLE sow_component_allocation DROP CONSTRAINT sow_component_allocation_sow_item_id_fkey;

ALTER TABLE sow_item RENAME TO sow_item_m11;
ALTER TABLE sow_item_m11 ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE sow_item_id_seq CACHE 1000;
SELECT setval('sow_item_id_seq', coalesce((SELECT max(id) FROM sow_item_m11), 0) + 1, false);

-- The same columns in the same order.
CREATE TABLE sow_item (
    LIKE sow_item_m11 INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    -- The key other tables refer to an item by; each version's table has it as its primary key.
    CONSTRAINT sow_item_id_version_key UNIQUE (id, estimate_version_id)
) PARTITION BY LIST (estimate_version_id);
ALTER TABLE sow_item ALTER COLUMN id SET DEFAULT nextval('sow_item_id_seq');
ALTER SEQUENCE sow_item_id_seq OWNED BY sow_item.id;

DO $$
DECLARE
    versions bigint[];
    batch bigint[];
    t text;
    bound text;
BEGIN
    SELECT coalesce(array_agg(DISTINCT estimate_version_id ORDER BY estimate_version_id), '{}') INTO versions
    FROM sow_item_m11;
    FOR start IN 1 .. coalesce(array_length(versions, 1), 0) BY 512 LOOP
        batch := versions[start:start + 511];
        t := 'sow_item_m' || batch[1] || '_' || batch[array_length(batch, 1)];
        bound := array_to_string(batch, ', ');
        EXECUTE format(
            'CREATE TABLE %I (LIKE sow_item INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
            'CONSTRAINT %I CHECK (estimate_version_id IN (%s)))', t, t || '_version_check', bound);
        EXECUTE format('INSERT INTO %I SELECT * FROM sow_item_m11 WHERE estimate_version_id = ANY ($1)', t) USING batch;
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (id, estimate_version_id)', t, t || '_pkey');
        EXECUTE format('ALTER TABLE sow_item ATTACH PARTITION %I FOR VALUES IN (%s)', t, bound);
    END LOOP;
END
$$;
DROP TABLE sow_item_m11;
CREATE TABLE sow_item_default PARTITION OF sow_item DEFAULT;

-- Built on every partition that exists now; a new version's table builds its own before it is
-- attached (SowItemStorage).
CREATE INDEX sow_item_version_particle_idx ON sow_item (estimate_version_id, project_particle_id);
CREATE INDEX sow_item_particle_idx         ON sow_item (project_particle_id);
CREATE INDEX sow_item_cat_sel_idx          ON sow_item (category_code, selection_code);
-- FK support: deleting an estimate's raw rows must not scan sow_item once per row.
CREATE INDEX sow_item_raw_row_idx          ON sow_item (raw_row_id);
ALTER TABLE sow_item
    ADD CONSTRAINT sow_item_sow_id_fkey FOREIGN KEY (sow_id) REFERENCES sow (id) ON DELETE CASCADE,
    ADD CONSTRAINT sow_item_raw_row_id_fkey FOREIGN KEY (raw_row_id) REFERENCES raw_xact_row (id) ON DELETE CASCADE,
    ADD CONSTRAINT sow_item_logical_item_id_fkey FOREIGN KEY (logical_item_id) REFERENCES sow_logical_item (id),
    ADD CONSTRAINT sow_item_project_particle_id_fkey FOREIGN KEY (project_particle_id) REFERENCES project_particle (id);

ALTER TABLE sow_component_allocation ADD CONSTRAINT sow_component_allocation_sow_item_fkey
    FOREIGN KEY (sow_item_id, estimate_version_id) REFERENCES sow_item (id, estimate_version_id) ON DELETE CASCADE;
