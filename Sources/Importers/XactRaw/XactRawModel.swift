import IngestCore
import IngestPostgres

/// XACT_RAW's finalize (spec §6.3–§6.9 with DESIGN §3): builds the estimate's model from
/// the version's raw rows in set-based statements, inside the publishing transaction.
///
/// Units are reconciled in Swift (``UnitReconciler``: a handful per project); everything
/// per row (particles, logical items, SOW items, syncs) is one SQL statement each. The raw
/// rows are read from the version's own table, and the SOW items written to another; both are
/// keyed, indexed and attached before the syncs read them (``EstimateVersionStorage``).
struct XactRawModel {
    let connection: PostgresConnection
    let job: JobContext
    /// The version's tables.
    let storage: EstimateVersionStorage

    init(connection: PostgresConnection, job: JobContext) throws {
        self.connection = connection
        self.job = job
        self.storage = EstimateVersionStorage(versionId: try job.id("estimateVersionId"))
    }

    func build() throws -> [String: JSONValue] {
        let versionId = try job.id("estimateVersionId")
        let projectId = try job.id("projectId")
        let companyId = try job.id("companyId")
        try Projects.lock(connection, project: projectId)
        // Before this transaction writes anything the version tables' attach or gc's merges
        // lock: another finalize, a version's deletion or a merge waits for it, or it for them.
        try connection.query(VersionTable.lockTables)
        // The chunks' COPYs left the raw table without statistics, which the joins below need,
        // and without its key and indexes, which its attach needs: for a large version both
        // are made by a session of its own while this transaction builds the model.
        let side = (job.plan["dataRows"] ?? 0) >= EstimateVersionStorage.rowsBuiltBeside ? try connection.openSibling() : nil
        defer {
            try? side?.finishScript()
            side?.close()
        }
        try storage.startRawIndexes(on: side, publishing: connection)
        try connection.query("SET LOCAL work_mem = '64MB'")

        let rawRows = try connection.query("SELECT count(*) FROM \(storage.rawTable)")
            .first!.require(0, as: Int.self)
        let units = try reconcileUnits(project: projectId, company: companyId)
        let particles = try resolveParticles(project: projectId, company: companyId)
        // The project's logical items are written only here, under the project's lock: the
        // new keys are those the table lacks, found by one anti-join rather than a speculative
        // insertion per row (ON CONFLICT: 3.2 s instead of 2.8 s for 300k new keys). Another
        // writer's row would fail the unique key, and the finalize with it.
        let logical = try connection.query(
            """
            WITH keys AS (
                SELECT DISTINCT k.particle_id, r.signature_hash
                FROM \(storage.rawTable) r
                JOIN nexus_particle k ON k.grouping_code = coalesce(r.group_code, '') AND k.group_description = r.group_description
            ), inserted AS (
                INSERT INTO sow_logical_item (project_id, project_particle_id, signature_hash)
                SELECT $1, particle_id, signature_hash FROM keys k
                WHERE NOT EXISTS (
                    SELECT FROM sow_logical_item l
                    WHERE l.project_id = $1 AND l.project_particle_id = k.particle_id AND l.signature_hash = k.signature_hash)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM keys), (SELECT count(*) FROM inserted)
            """, projectId
        ).first!
        // A first import of a project makes this table grow from nothing within the
        // transaction: without fresh statistics the join below becomes a nested loop that
        // scans it once per line (6.7 s instead of 0.2 s for 20k lines).
        try connection.query("ANALYZE sow_logical_item")

        let sowId = try connection.query(
            "INSERT INTO sow (project_id, estimate_version_id, source_type) VALUES ($1, $2, 'xact_raw_carrier') RETURNING id",
            projectId, versionId
        ).first!.require(0, as: Int64.self)
        let columns = XactRawColumns(header: job.header)
        // Unit, Cat, Sel and Activity of a SOW item are the raw cells (spec §6.5): read back
        // from the raw JSON under the header name the alias lookup chose. They are read in a
        // subquery the planner keeps apart (OFFSET 0), so that the JSON goes no further than
        // the scan: carried through the joins and the numbering's sort, it made the hash join
        // spill and the sort write 291 MB to disk (300k lines).
        try storage.createItemTable(connection)
        let items = try connection.query(
            """
            INSERT INTO \(storage.itemTable) (
                sow_id, estimate_version_id, raw_row_id, logical_item_id, project_particle_id, line_no, source_line_no,
                description, item_note, qty, unit, unit_cost, item_amount, rcv_amount, acv_amount, depreciation_amount,
                sales_tax_amount, material_amount, equipment_amount, category_code, selection_code, activity, payer_type,
                percent_complete)
            SELECT $3, $1, r.id, l.id, k.particle_id, row_number() OVER (ORDER BY r.file_line, r.id),
                   CASE WHEN r.line_no > 0 THEN r.line_no END, coalesce(r.description, ''), r.note1, r.qty,
                   r.unit_cell, r.unit_cost, r.item_amount, r.rcv, r.acv, r.depreciation_amount,
                   r.sales_tax, r.material, r.equipment, r.cat_cell, r.sel_cell, r.activity_cell,
                   (SELECT default_payer_type FROM estimate_version WHERE id = $1), 50
            FROM (SELECT id, file_line, line_no, group_code, group_description, signature_hash, description, note1, qty,
                         unit_cost, item_amount, rcv, acv, depreciation_amount, sales_tax, material, equipment,
                         nullif(raw_row_json ->> $4, '') AS unit_cell, nullif(raw_row_json ->> $5, '') AS cat_cell,
                         nullif(raw_row_json ->> $6, '') AS sel_cell, nullif(raw_row_json ->> $7, '') AS activity_cell
                  FROM \(storage.rawTable) OFFSET 0) r
            JOIN nexus_particle k ON k.grouping_code = coalesce(r.group_code, '') AND k.group_description = r.group_description
            JOIN sow_logical_item l
              ON l.project_id = $2 AND l.project_particle_id = k.particle_id AND l.signature_hash = r.signature_hash
            """, versionId, projectId, sowId, columns.name(of: .unit), columns.name(of: .cat), columns.name(of: .sel),
            columns.name(of: .activity)
        ).affectedRows
        guard items == rawRows else {
            throw ImportFailure(
                code: .internalError,
                message: "XACT_RAW built \(items) SOW item(s) from \(rawRows) raw row(s): \(rawRows - items) could not be placed")
        }
        try storage.attach(connection, rawIndexesOn: side)
        let total = try connection.query(
            """
            UPDATE sow SET total_amount = (SELECT coalesce(sum(coalesce(rcv_amount, item_amount, 0)), 0)
                                           FROM \(storage.itemTable) WHERE sow_id = $1), updated_at = now()
            WHERE id = $1 RETURNING total_amount::text
            """, sowId
        ).first!.require(0, as: String.self)

        let syncs = EstimateSyncs(
            connection: connection, job: job,
            createdBy: job.createdBy)
        let costBook = try syncs.syncCostBook(company: companyId, project: projectId, version: versionId, sow: sowId)
        let golden = try syncs.syncGolden(company: companyId, project: projectId, version: versionId)

        let completed = try connection.query(
            """
            UPDATE estimate_version SET status = 'completed', imported_at = now(), error_message = NULL, updated_at = now()
            WHERE id = $1 AND status = 'parsing'
            """, versionId
        ).affectedRows
        guard completed == 1 else {
            throw ImportFailure(code: .precondition, message: "estimate version \(versionId) is no longer being imported")
        }

        let chunks = job.chunkCount
        let records = job.plan["dataRows"] ?? 0
        let blank = job.plan["blankRows"] ?? 0
        let trace: JSONValue = [
            "csv": [
                "bytes": .int(job.fileSize ?? 0),
                "delimiter": .string(job.delimiter.description),
                "parsedRecordsCount": .int(Int64(records + blank)),
                "blankRecordCount": .int(Int64(blank)),
                "recordCount": .int(Int64(records)),
                "columnCount": .int(Int64(columns.distinct.count)),
            ],
            "phases": [
                "rawRows": ["attempted": .int(Int64(records)), "inserted": .int(Int64(rawRows)), "chunks": .int(Int64(chunks))],
                "keys": [
                    "unitExternalCodeCount": .int(Int64(units.codes)), "particleKeyCount": .int(Int64(particles.keys)),
                ],
                "units": [
                    "existingUnitCount": .int(Int64(units.existing)), "willCreate": .int(Int64(units.created)),
                    "willUpdate": .int(Int64(units.updated)),
                    "skippedDuplicatePlannedUnitLabel": .int(Int64(units.sharedLabels)),
                ],
                "particles": [
                    "existingParticleCount": .int(Int64(particles.existing)), "willCreate": .int(Int64(particles.created)),
                    "updated": .int(Int64(particles.updated)),
                ],
                "logicalItems": [
                    "attempted": .int(try logical.require(0, as: Int64.self)),
                    "inserted": .int(try logical.require(1, as: Int64.self)),
                ],
                "sowItems": [
                    "csvRecordCount": .int(Int64(records)), "built": .int(Int64(items)),
                    "skipped": .int(Int64(job.plan["rejectedRows"] ?? 0)), "inserted": .int(Int64(items)),
                    "countedInDb": .int(Int64(items)),
                ],
            ],
        ]
        return [
            "projectId": .int(projectId),
            "projectCode": job.facts["projectCode"] ?? .null,
            "estimateVersionId": .int(versionId),
            "sowId": .int(sowId),
            "itemCount": .int(Int64(items)),
            "totalAmount": .double(Double(total) ?? 0),
            "costBookUpdate": costBook,
            "goldenUpdate": golden,
            "trace": trace,
        ]
    }

    /// Counts of the unit phase.
    struct UnitCounts {
        var codes: Int
        var existing: Int
        var created: Int
        var updated: Int
        var sharedLabels: Int
    }

    /// Reconciles the project's units with the version's grouping codes and leaves
    /// `nexus_unit (grouping_code, unit_id, label)` for the following statements
    /// (`grouping_code` is '' for rows without a Group Code).
    private func reconcileUnits(project: Int64, company: Int64) throws -> UnitCounts {
        let codes = try connection.query(
            "SELECT DISTINCT coalesce(group_code, '') FROM \(storage.rawTable)"
        ).rows.map { try $0.require(0, as: String.self) }
        var desired: [String: String] = [:]
        for code in codes {
            let grouping = code.isEmpty ? nil : code
            desired[UnitGrouping.externalCode(groupingCode: grouping)] = UnitGrouping.label(groupingCode: grouping)
        }
        let existing = try connection.query(
            "SELECT id, external_code, label FROM project_unit WHERE project_id = $1 ORDER BY id FOR UPDATE", project
        ).rows.map {
            UnitReconciler.Unit(
                id: try $0.require(0, as: Int64.self), externalCode: try $0.decode(1, as: String.self),
                label: try $0.require(2, as: String.self))
        }
        let plan = UnitReconciler.plan(existing: existing, codes: desired)
        for update in plan.updates {
            try connection.query(
                """
                UPDATE project_unit SET label = coalesce($2, label), external_code = coalesce($3, external_code),
                    updated_at = now()
                WHERE id = $1
                """, update.id, update.label, update.externalCode)
        }
        var created: [Int64] = []
        for unit in plan.creates {
            created.append(try connection.query(
                "INSERT INTO project_unit (company_id, project_id, label, external_code) VALUES ($1, $2, $3, $4) RETURNING id",
                company, project, unit.label, unit.externalCode
            ).first!.require(0, as: Int64.self))
        }
        try connection.query(
            "CREATE TEMP TABLE nexus_unit (grouping_code text NOT NULL, unit_id bigint NOT NULL, label text NOT NULL) ON COMMIT DROP")
        try connection.copyIn(try connection.copyStatement(table: "nexus_unit", columns: ["grouping_code", "unit_id", "label"])) {
            writer in
            for code in codes {
                let external = UnitGrouping.externalCode(groupingCode: code.isEmpty ? nil : code)
                let unit: Int64
                switch plan.targets[external]! {
                case .existing(let id): unit = id
                case .created(let index): unit = created[index]
                }
                try writer.writeTextRow([code, String(unit), desired[external]!])
            }
        }
        return UnitCounts(
            codes: codes.count, existing: existing.count, created: plan.creates.count, updated: plan.updates.count,
            sharedLabels: plan.skippedDuplicatePlannedUnitLabel)
    }

    /// Counts of the particle phase.
    struct ParticleCounts {
        var keys: Int
        var existing: Int
        var created: Int
        var updated: Int
    }

    /// Matches the version's (grouping code, Group Description) keys to the project's
    /// particles, creates the missing ones and corrects the label and unit of the others;
    /// leaves `nexus_particle (grouping_code, group_description, unit_id, label,
    /// particle_id)`.
    private func resolveParticles(project: Int64, company: Int64) throws -> ParticleCounts {
        let keys = try connection.query(
            """
            CREATE TEMP TABLE nexus_particle ON COMMIT DROP AS
            SELECT k.grouping_code, k.group_description, u.unit_id, u.label || ' - ' || k.group_description AS full_label,
                   NULL::bigint AS particle_id
            FROM (SELECT DISTINCT coalesce(group_code, '') AS grouping_code, group_description
                  FROM \(storage.rawTable)) k
            JOIN nexus_unit u USING (grouping_code)
            """
        ).affectedRows
        let existing = try connection.query("SELECT count(*) FROM project_particle WHERE project_id = $1", project)
            .first!.require(0, as: Int.self)
        // Legacy identity: external group code :: external group description; the first
        // particle (by id) of a key wins.
        try connection.query(
            """
            UPDATE nexus_particle k SET particle_id = p.id
            FROM (SELECT DISTINCT ON (coalesce(external_group_code, ''), external_group_description)
                         id, coalesce(external_group_code, '') AS code, external_group_description AS description
                  FROM project_particle WHERE project_id = $1
                  ORDER BY coalesce(external_group_code, ''), external_group_description, id) p
            WHERE p.code = k.grouping_code AND p.description = k.group_description
            """, project)
        let created = try connection.query(
            """
            WITH created AS (
                INSERT INTO project_particle (company_id, project_id, unit_id, type, name, full_label, external_group_code,
                    external_group_description)
                SELECT $2, $1, unit_id, 'ROOM', group_description, full_label, nullif(grouping_code, ''), group_description
                FROM nexus_particle WHERE particle_id IS NULL
                RETURNING id, coalesce(external_group_code, '') AS code, external_group_description
            )
            UPDATE nexus_particle k SET particle_id = c.id
            FROM created c WHERE c.code = k.grouping_code AND c.external_group_description = k.group_description
            """, project, company
        ).affectedRows
        let updated = try connection.query(
            """
            UPDATE project_particle p SET full_label = k.full_label, unit_id = k.unit_id, updated_at = now()
            FROM nexus_particle k
            WHERE p.id = k.particle_id AND (p.full_label IS DISTINCT FROM k.full_label OR p.unit_id IS DISTINCT FROM k.unit_id)
            """
        ).affectedRows
        try connection.query("ANALYZE nexus_particle")
        return ParticleCounts(keys: keys, existing: existing, created: created, updated: updated)
    }
}
