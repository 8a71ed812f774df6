-- Import types are declared by the importers (ImporterRegistry): the ledger no longer lists
-- them. A stored type name is upper-case letters, digits and underscores, as before.
ALTER TABLE import_job DROP CONSTRAINT import_job_type_check;
ALTER TABLE import_job ADD CONSTRAINT import_job_type_name CHECK (type ~ '^[A-Z][A-Z0-9_]*$');
