extension PipelineFixture {
    /// Makes the database refuse every raw XACT row for which `condition` holds (SQL over
    /// `line_no` and `description`), with `message`: the failure any permanent database error
    /// would cause in a chunk.
    ///
    /// A check constraint of `raw_xact_row` rather than a trigger, because the chunks copy into
    /// the version's own table, which takes its parent's check constraints and no trigger.
    func refuseRawRows(where condition: String, message: String) throws {
        try connection.executeScript(
            """
            CREATE FUNCTION refuse_raw_row(line_no int, description text) RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
                IF \(condition) THEN RAISE EXCEPTION '\(message)'; END IF;
                RETURN true;
            END $$;
            ALTER TABLE raw_xact_row ADD CONSTRAINT refused_raw_row CHECK (refuse_raw_row(line_no, description));
            """)
    }

    /// Lifts ``refuseRawRows(where:message:)``, from `raw_xact_row` and from the versions' tables
    /// created since.
    func allowRawRows() throws {
        let tables = try strings(
            """
            SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace
            AND relname ~ '^raw_xact_row_v[0-9]+$' AND NOT relispartition
            """)
        for table in tables + ["raw_xact_row"] {
            try connection.query("ALTER TABLE \(table) DROP CONSTRAINT IF EXISTS refused_raw_row")
        }
        try connection.query("DROP FUNCTION refuse_raw_row")
    }
}
