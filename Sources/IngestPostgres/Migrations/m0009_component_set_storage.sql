-- m0009_component_set_storage: every Golden component set in a table of its own.
--
-- price_list_component becomes a table partitioned by component_set_id. A components import
-- loads its new set into a table of its own with no index and no foreign key
-- (price_list_component_s<set id>: per-row index upkeep and per-row key triggers were most of
-- the cost of the load), and its publishing transaction builds the set's keys and indexes,
-- validates its foreign keys in one pass each and attaches it as a partition. Readers see the
-- previous set until that transaction commits, as before; a failed import attaches nothing,
-- and gc of a replaced set drops its table instead of deleting its rows.
--
-- Upgrade in place: the existing table, with every set it holds (published or not), is kept as
-- the partition price_list_component_m8 of every set that exists now, so the current view
-- returns the same rows; an import that was loading across the upgrade goes on writing its set
-- there. Its identity becomes a plain sequence that every set's table draws from.
-- A partitioned table can only be unique on keys that include component_set_id, so the
-- primary key on id is each partition's own (ids come from the one sequence).

ALTER TABLE price_list_component RENAME TO price_list_component_m8;
ALTER INDEX price_list_component_pkey RENAME TO price_list_component_m8_pkey;
ALTER INDEX price_list_component_set_item_code_key RENAME TO price_list_component_m8_set_item_code_key;
ALTER INDEX price_list_component_item_idx RENAME TO price_list_component_m8_item_idx;
ALTER INDEX price_list_component_code_idx RENAME TO price_list_component_m8_code_idx;

ALTER TABLE price_list_component_m8 ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE price_list_component_id_seq CACHE 1000;
SELECT setval('price_list_component_id_seq', coalesce((SELECT max(id) FROM price_list_component_m8), 0) + 1, false);
ALTER TABLE price_list_component_m8 ALTER COLUMN id SET DEFAULT nextval('price_list_component_id_seq');

CREATE TABLE price_list_component (
    id                  bigint NOT NULL DEFAULT nextval('price_list_component_id_seq'),
    component_set_id    bigint NOT NULL REFERENCES price_list_component_set (id) ON DELETE CASCADE,
    price_list_item_id  bigint NOT NULL REFERENCES price_list_item (id) ON DELETE CASCADE,
    component_code      text NOT NULL,
    description         text,
    quantity            numeric,
    material            numeric,
    labor               numeric,
    equipment           numeric,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- legacy PLComponent_item_code_key, scoped to the set
    CONSTRAINT price_list_component_set_item_code_key
        UNIQUE (component_set_id, price_list_item_id, component_code)
) PARTITION BY LIST (component_set_id);
ALTER SEQUENCE price_list_component_id_seq OWNED BY price_list_component.id;
CREATE INDEX price_list_component_item_idx ON price_list_component (price_list_item_id);
CREATE INDEX price_list_component_code_idx ON price_list_component (component_code);

-- The view named the old table: the same columns over the partitioned one (first, so that the
-- old table no longer has a view to keep it).
CREATE OR REPLACE VIEW price_list_component_current AS
SELECT c.id,
       c.price_list_item_id,
       c.component_code,
       c.description,
       c.quantity,
       c.material,
       c.labor,
       c.equipment,
       c.created_at,
       c.updated_at,
       c.component_set_id
FROM price_list_component c
JOIN price_list_component_set s ON s.id = c.component_set_id AND s.is_active
JOIN price_list p ON p.id = s.price_list_id AND p.kind = 'GOLDEN' AND p.is_active;

-- The sets that exist now live in the old table (its matching unique index and foreign keys
-- become the partition's; the attach checks its rows once).
DO $$
DECLARE
    sets text;
BEGIN
    SELECT string_agg(id::text, ', ' ORDER BY id) INTO sets FROM price_list_component_set;
    IF sets IS NULL THEN
        DROP TABLE price_list_component_m8;
    ELSE
        EXECUTE format('ALTER TABLE price_list_component ATTACH PARTITION price_list_component_m8 FOR VALUES IN (%s)', sets);
    END IF;
END
$$;
