-- m0011_price_list_revision_storage: every Golden revision's items in a table of their own.
--
-- price_list_item becomes a table partitioned by price_list_id. A Golden PETL import loads its
-- chunks into a build table of its own with no index and no foreign key
-- (price_list_item_b<list id>: per-row upkeep of seven indexes and two key triggers was most of
-- each chunk's cost), and its publishing transaction writes the revision's items once, numbered
-- in sort order, into price_list_item_r<list id> (the merge's carry-forward in the same
-- statement), builds that table's keys and indexes, and attaches it as the revision's
-- partition (its two foreign keys validated in one pass each). Readers see the previous
-- revision until that transaction commits, as before; a failed import attaches nothing.
--
-- A partitioned table is unique only on keys that include price_list_id, so the key of an item
-- for the tables that refer to one is (id, price_list_id): price_list_component gains
-- price_list_id (its set's list, which the components import always joined its items by) and
-- refers to the item by both. Ids still come from one sequence for every revision.
--
-- Upgrade in place: the existing table, with every published revision, is kept as the
-- partition price_list_item_m10 of those revisions, so the current view returns the same rows.
-- The items of each unpublished revision (an import loading or failed across the upgrade) move
-- into that revision's build table, where the new code goes on with them.

ALTER TABLE price_list_item RENAME TO price_list_item_m10;
ALTER INDEX price_list_item_pkey RENAME TO price_list_item_m10_pkey;
ALTER INDEX price_list_item_price_list_canonical_hash_key RENAME TO price_list_item_m10_price_list_canonical_hash_key;
ALTER INDEX price_list_item_list_cat_sel_idx RENAME TO price_list_item_m10_list_cat_sel_idx;
ALTER INDEX price_list_item_division_code_idx RENAME TO price_list_item_m10_division_code_idx;
ALTER INDEX price_list_item_source_category_idx RENAME TO price_list_item_m10_source_category_idx;
ALTER INDEX price_list_item_catalog_item_id_idx RENAME TO price_list_item_m10_catalog_item_id_idx;
ALTER INDEX price_list_item_list_sku_vendor_idx RENAME TO price_list_item_m10_list_sku_vendor_idx;

-- The components' key to the old table (named by migration 9 after a name that was taken).
DO $$
DECLARE
    key name;
BEGIN
    SELECT conname INTO STRICT key FROM pg_constraint
    WHERE conrelid = 'price_list_component'::regclass AND confrelid = 'price_list_item_m10'::regclass AND contype = 'f';
    EXECUTE format('ALTER TABLE price_list_component DROP CONSTRAINT %I', key);
END
$$;

ALTER TABLE price_list_item_m10 ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE price_list_item_id_seq CACHE 1000;
SELECT setval('price_list_item_id_seq', coalesce((SELECT max(id) FROM price_list_item_m10), 0) + 1, false);
ALTER TABLE price_list_item_m10 ALTER COLUMN id SET DEFAULT nextval('price_list_item_id_seq');

-- The same columns in the same order (golden_price_list_item_current is SELECT i.*).
CREATE TABLE price_list_item (
    LIKE price_list_item_m10 INCLUDING DEFAULTS,
    CONSTRAINT price_list_item_list_fkey FOREIGN KEY (price_list_id) REFERENCES price_list (id) ON DELETE CASCADE,
    CONSTRAINT price_list_item_division_fkey FOREIGN KEY (division_code) REFERENCES division (code),
    -- The key other tables refer to an item by; each revision's table has it as its primary key.
    CONSTRAINT price_list_item_id_list_key UNIQUE (id, price_list_id),
    -- Also serves price_list_id lookups.
    CONSTRAINT price_list_item_price_list_canonical_hash_key UNIQUE (price_list_id, canonical_key_hash)
) PARTITION BY LIST (price_list_id);
ALTER SEQUENCE price_list_item_id_seq OWNED BY price_list_item.id;
CREATE INDEX price_list_item_list_cat_sel_idx     ON price_list_item (price_list_id, cat, sel);
CREATE INDEX price_list_item_division_code_idx    ON price_list_item (division_code);
CREATE INDEX price_list_item_source_category_idx  ON price_list_item (source_category);
CREATE INDEX price_list_item_catalog_item_id_idx  ON price_list_item (catalog_item_id);
CREATE INDEX price_list_item_list_sku_vendor_idx  ON price_list_item (price_list_id, sku, source_vendor);
-- Items written by other tools for a list nexus-ingest did not build (no partition of its own)
-- land here, as they did in the one table before. Each attach checks that this table holds no
-- row of the new revision, by a scan of it: keep it small.
CREATE TABLE price_list_item_default PARTITION OF price_list_item DEFAULT;

CREATE OR REPLACE VIEW golden_price_list_item_current AS
SELECT i.*
FROM price_list_item i
JOIN price_list p ON p.id = i.price_list_id
WHERE p.kind = 'GOLDEN' AND p.is_active;

-- Unpublished revisions: their chunks' rows (file line in line_no, Delete-mark tombstones below
-- zero) move into their build tables, shaped as GoldenPETLImporter's chunks write them.
DO $$
DECLARE
    list bigint;
    published text;
BEGIN
    FOR list IN SELECT id FROM price_list WHERE import_job_id IS NOT NULL AND published_at IS NULL ORDER BY id LOOP
        EXECUTE format('CREATE TABLE price_list_item_b%s (LIKE price_list_item INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', list);
        EXECUTE format('INSERT INTO price_list_item_b%s SELECT * FROM price_list_item_m10 WHERE price_list_id = %s', list, list);
        DELETE FROM price_list_item_m10 WHERE price_list_id = list;
    END LOOP;
    SELECT string_agg(id::text, ', ' ORDER BY id) INTO published
    FROM price_list WHERE import_job_id IS NULL OR published_at IS NOT NULL;
    IF published IS NULL THEN
        DROP TABLE price_list_item_m10;
    ELSE
        -- The matching constraint makes the attach reuse it (and the table's own foreign keys
        -- and indexes) instead of building new ones.
        ALTER TABLE price_list_item_m10 ADD CONSTRAINT price_list_item_m10_id_list_key UNIQUE (id, price_list_id);
        EXECUTE format('ALTER TABLE price_list_item ATTACH PARTITION price_list_item_m10 FOR VALUES IN (%s)', published);
    END IF;
END
$$;

-- Components refer to their item by (id, list). Every set's table gets the column: the
-- partitions through their parent, the tables of sets still loading one by one.
ALTER TABLE price_list_component ADD COLUMN price_list_id bigint;
DO $$
DECLARE
    loading text;
BEGIN
    FOR loading IN
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
          AND c.relname ~ '^price_list_component_s[0-9]+$'
    LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN price_list_id bigint', loading);
        EXECUTE format(
            'UPDATE %I c SET price_list_id = s.price_list_id FROM price_list_component_set s WHERE s.id = c.component_set_id',
            loading);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN price_list_id SET NOT NULL', loading);
    END LOOP;
END
$$;
UPDATE price_list_component c SET price_list_id = s.price_list_id
FROM price_list_component_set s WHERE s.id = c.component_set_id;
ALTER TABLE price_list_component ALTER COLUMN price_list_id SET NOT NULL;
ALTER TABLE price_list_component ADD CONSTRAINT price_list_component_item_fkey
    FOREIGN KEY (price_list_item_id, price_list_id) REFERENCES price_list_item (id, price_list_id) ON DELETE CASCADE;
