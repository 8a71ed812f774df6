-- m0014_raw_xact_row_storage: every estimate version's raw rows in a table of their own.
--
-- raw_xact_row becomes a table partitioned by estimate_version_id. An XACT raw import's prepare
-- creates raw_xact_row_v<version id>, a table with no index, no key and no trigger; the chunks
-- copy the file's rows into it in parallel; the publishing transaction (finalize) builds the
-- version's model from it, then builds its key and indexes and attaches it, with the version's
-- SOW items (m0012). Written into the indexed table, each of 300k rows cost a foreign-key
-- trigger and three index insertions while the chunks loaded: the two chunks' COPYs took 5.9
-- and 6.2 s, 3.4 and 3.6 s into the bare tables.
-- Readers see the previous version until that transaction commits, as before; a failed import
-- attaches nothing, and gc drops its table (or discard, for one never published).
--
-- No key refers to a raw row any more: the SOW items' key to them (raw_row_id) goes, as the
-- allocation's key to the items went in m0013, so that gc can merge old versions' raw tables as
-- it merges their item tables (a referenced partition can be neither detached nor dropped). An
-- item is written from its raw row in the publishing transaction, and both go with their
-- version. Ids still come from one sequence; the primary key of each version's table is
-- (id, estimate_version_id), a partitioned table being unique only on keys that include it.
-- The key to estimate_version is gone, as it went for sow_item: attaching a partition under it
-- would lock estimate_version against every other import until the publish commits. A trigger
-- deletes a version's raw rows before the version itself, as the key's cascade did (before
-- the keys' cascades into sow and the other estimate tables, so that such a delete takes its
-- locks in the order a publish does: raw_xact_row first).
--
-- Upgrade in place: the rows of the versions that were published (or have SOW items over them)
-- move into tables of at most 512 versions each (raw_xact_row_m<first version>_<last version>,
-- attached; a partition's bound is stored in its pg_class row, which cannot exceed a page); the
-- rows of every other version move into its own table raw_xact_row_v<id>, not attached, where
-- its import (loading, or failed and retryable) continues; an XACT raw job's version without
-- rows gets an empty one, so that its retry has somewhere to copy to. Raw rows that other tools
-- write for a version without a partition land in raw_xact_row_default; each attach checks that
-- table for rows of the new version by a scan of it: keep it small.

ALTER TABLE sow_item DROP CONSTRAINT sow_item_raw_row_id_fkey;

ALTER TABLE raw_xact_row RENAME TO raw_xact_row_m13;
ALTER TABLE raw_xact_row_m13 ALTER COLUMN id DROP IDENTITY;
ALTER TABLE raw_xact_row_m13 DROP CONSTRAINT raw_xact_row_estimate_version_id_fkey;
CREATE SEQUENCE raw_xact_row_id_seq CACHE 1000;
SELECT setval('raw_xact_row_id_seq', coalesce((SELECT max(id) FROM raw_xact_row_m13), 0) + 1, false);

-- The same columns in the same order.
CREATE TABLE raw_xact_row (
    LIKE raw_xact_row_m13 INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    -- The rows' key; each version's table has it as its primary key.
    CONSTRAINT raw_xact_row_id_version_key UNIQUE (id, estimate_version_id)
) PARTITION BY LIST (estimate_version_id);
ALTER TABLE raw_xact_row ALTER COLUMN id SET DEFAULT nextval('raw_xact_row_id_seq');
ALTER SEQUENCE raw_xact_row_id_seq OWNED BY raw_xact_row.id;

DO $$
DECLARE
    versions bigint[];
    batch bigint[];
    version bigint;
    t text;
    bound text;
BEGIN
    -- Published: completed, or with SOW items over their rows.
    SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO versions
    FROM estimate_version v
    WHERE EXISTS (SELECT 1 FROM raw_xact_row_m13 r WHERE r.estimate_version_id = v.id)
      AND (v.status = 'completed' OR EXISTS (SELECT 1 FROM sow_item s WHERE s.estimate_version_id = v.id));
    FOR start IN 1 .. coalesce(array_length(versions, 1), 0) BY 512 LOOP
        batch := versions[start:start + 511];
        t := 'raw_xact_row_m' || batch[1] || '_' || batch[array_length(batch, 1)];
        bound := array_to_string(batch, ', ');
        EXECUTE format(
            'CREATE TABLE %I (LIKE raw_xact_row INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
            'CONSTRAINT %I CHECK (estimate_version_id IN (%s)))', t, t || '_version_check', bound);
        EXECUTE format('INSERT INTO %I SELECT * FROM raw_xact_row_m13 WHERE estimate_version_id = ANY ($1)', t) USING batch;
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (id, estimate_version_id)', t, t || '_pkey');
        EXECUTE format('ALTER TABLE raw_xact_row ATTACH PARTITION %I FOR VALUES IN (%s)', t, bound);
    END LOOP;

    -- Every other version with rows, and every XACT raw job's version that may still load.
    FOR version IN
        SELECT DISTINCT r.estimate_version_id FROM raw_xact_row_m13 r WHERE NOT r.estimate_version_id = ANY (versions)
        UNION
        SELECT v.id FROM estimate_version v JOIN import_job j ON j.id = v.import_job_id
        WHERE v.status <> 'completed' AND j.type = 'XACT_RAW' AND j.collected_at IS NULL AND NOT v.id = ANY (versions)
    LOOP
        t := 'raw_xact_row_v' || version;
        EXECUTE format(
            'CREATE TABLE %I (LIKE raw_xact_row INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
            'CONSTRAINT %I CHECK (estimate_version_id = %s))', t, t || '_version_check', version);
        EXECUTE format('INSERT INTO %I SELECT * FROM raw_xact_row_m13 WHERE estimate_version_id = $1', t) USING version;
    END LOOP;
END
$$;
DROP TABLE raw_xact_row_m13;
CREATE TABLE raw_xact_row_default PARTITION OF raw_xact_row DEFAULT;

-- Built on every partition that exists now; a new version's table builds its own before it is
-- attached (VersionTable).
CREATE INDEX raw_xact_row_version_line_idx    ON raw_xact_row (estimate_version_id, line_no);
CREATE INDEX raw_xact_row_version_cat_sel_idx ON raw_xact_row (estimate_version_id, cat, sel);

CREATE FUNCTION estimate_version_delete_raw_rows() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    DELETE FROM raw_xact_row WHERE estimate_version_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER estimate_version_raw_rows
    BEFORE DELETE ON estimate_version
    FOR EACH ROW EXECUTE FUNCTION estimate_version_delete_raw_rows();
