import IngestCore
import IngestPostgres

/// The two side effects of a successful XACT_RAW import, in its publishing transaction:
/// the tenant cost-book sync (spec §6.8) and the Golden sync (spec §6.7, DESIGN §3 Q6).
struct EstimateSyncs {
    let connection: PostgresConnection
    let job: JobContext
    /// The user the job runs for (`import_job.created_by`): who changed the prices.
    let createdBy: String?

    /// Spec §6.8: the company's active cost book (highest revision) gets, per CAT::SEL of
    /// the new SOW items (upper-cased, trimmed; blank Cat left out), the average unit cost
    /// and cost components, the first non-empty description, unit and activity; the first
    /// item of that CAT::SEL is updated (its price kept as `last_known_unit_price`), or a
    /// new item is created; one `tenant_price_update_log` row per item touched. A group
    /// without any unit cost is left out (the legacy importer wrote a null price).
    ///
    /// A company without an active cost book has nothing to sync, and the groups are not
    /// computed (0.7 s for 300k items).
    func syncCostBook(company: Int64, project: Int64, version: Int64, sow: Int64) throws -> JSONValue {
        let active = try connection.query(
            """
            SELECT id FROM company_price_list WHERE company_id = $1 AND is_active
            ORDER BY revision DESC, id DESC LIMIT 1
            """, company
        ).first
        guard let list = try active?.require(0, as: Int64.self) else {
            return ["companyPriceListId": .null, "updatedCount": 0, "createdCount": 0, "note": "no active company price list"]
        }
        let row = try connection.query(
            """
            WITH list AS (
                SELECT $7::bigint AS id
            ), items AS (
                SELECT upper(btrim(s.category_code) COLLATE "C") AS cat_key,
                       upper(btrim(coalesce(s.selection_code, '')) COLLATE "C") AS sel_key,
                       btrim(s.category_code) AS cat, nullif(btrim(coalesce(s.selection_code, '')), '') AS sel,
                       s.line_no, s.unit_cost, s.description, s.unit, s.activity,
                       r.workers_wage, r.labor_burden, r.labor_overhead, r.material, r.equipment, r.source_date,
                       num_nonnulls(r.workers_wage, r.labor_burden, r.labor_overhead, r.material, r.equipment) > 0 AS costed
                FROM sow_item s JOIN raw_xact_row r ON r.id = s.raw_row_id AND r.estimate_version_id = $4
                WHERE s.estimate_version_id = $4 AND s.sow_id = $2 AND btrim(coalesce(s.category_code, '')) <> ''
            ), groups AS (
                SELECT cat_key, sel_key,
                       (array_agg(cat ORDER BY line_no))[1] AS cat,
                       (array_agg(sel ORDER BY line_no))[1] AS sel,
                       trim_scale(avg(unit_cost)) AS unit_price,
                       trim_scale(avg(workers_wage) FILTER (WHERE costed)) AS workers_wage,
                       trim_scale(avg(labor_burden) FILTER (WHERE costed)) AS labor_burden,
                       trim_scale(avg(labor_overhead) FILTER (WHERE costed)) AS labor_overhead,
                       trim_scale(avg(material) FILTER (WHERE costed)) AS material,
                       trim_scale(avg(equipment) FILTER (WHERE costed)) AS equipment,
                       (array_agg(description ORDER BY line_no) FILTER (WHERE description <> ''))[1] AS description,
                       (array_agg(unit ORDER BY line_no) FILTER (WHERE unit <> ''))[1] AS unit,
                       (array_agg(activity ORDER BY line_no) FILTER (WHERE activity <> ''))[1] AS activity,
                       max(source_date) AS source_date
                FROM items GROUP BY cat_key, sel_key
                HAVING avg(unit_cost) IS NOT NULL
            ), existing AS (
                SELECT DISTINCT ON (cat_key, sel_key) id, cat_key, sel_key
                FROM (SELECT i.id, upper(btrim(coalesce(i.cat, '')) COLLATE "C") AS cat_key,
                             upper(btrim(coalesce(i.sel, '')) COLLATE "C") AS sel_key
                      FROM company_price_list_item i JOIN list ON i.company_price_list_id = list.id) e
                ORDER BY cat_key, sel_key, id
            ), matched AS (
                SELECT g.*, e.id AS item_id FROM groups g LEFT JOIN existing e USING (cat_key, sel_key)
            ), updated AS (
                UPDATE company_price_list_item i SET
                    last_known_unit_price = i.unit_price, unit_price = m.unit_price,
                    workers_wage = m.workers_wage, labor_burden = m.labor_burden, labor_overhead = m.labor_overhead,
                    material_cost = m.material, equipment_cost = m.equipment,
                    last_price_changed_at = now(), last_price_changed_by = $5,
                    last_price_changed_source = 'PROJECT_PETL_IMPORT', last_price_changed_source_import_job_id = $6,
                    source_project_id = $3, source_estimate_version_id = $4, source_vendor = 'PETL_AUTO_IMPORT',
                    source_date = m.source_date, updated_at = now()
                FROM matched m WHERE i.id = m.item_id
                RETURNING i.id, i.company_price_list_id, i.canonical_key_hash, i.last_known_unit_price AS old_price,
                          i.unit_price AS new_price
            ), created AS (
                INSERT INTO company_price_list_item (
                    company_price_list_id, cat, sel, description, unit, activity, unit_price, workers_wage, labor_burden,
                    labor_overhead, material_cost, equipment_cost, last_price_changed_at, last_price_changed_by,
                    last_price_changed_source, last_price_changed_source_import_job_id, source_project_id,
                    source_estimate_version_id, source_vendor, source_date)
                SELECT list.id, m.cat, m.sel, m.description, m.unit, m.activity, m.unit_price, m.workers_wage,
                       m.labor_burden, m.labor_overhead, m.material, m.equipment, now(), $5, 'PROJECT_PETL_IMPORT', $6,
                       $3, $4, 'PETL_AUTO_IMPORT', m.source_date
                FROM matched m CROSS JOIN list WHERE m.item_id IS NULL
                RETURNING id, company_price_list_id, canonical_key_hash, NULL::numeric AS old_price, unit_price AS new_price
            ), logged AS (
                INSERT INTO tenant_price_update_log (
                    company_id, company_price_list_id, company_price_list_item_id, canonical_key_hash, old_unit_price,
                    new_unit_price, source, source_import_job_id, project_id, estimate_version_id, changed_by)
                SELECT $1, company_price_list_id, id, canonical_key_hash, old_price, new_price, 'PROJECT_PETL_IMPORT', $6,
                       $3, $4, $5
                FROM (SELECT * FROM updated UNION ALL SELECT * FROM created) touched
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM updated), (SELECT count(*) FROM created), (SELECT count(*) FROM logged)
            """, company, sow, project, version, createdBy, job.jobId, list
        ).first!
        return [
            "companyPriceListId": .int(list),
            "updatedCount": .int(try row.require(0, as: Int64.self)),
            "createdCount": .int(try row.require(1, as: Int64.self)),
            "loggedCount": .int(try row.require(2, as: Int64.self)),
        ]
    }

    /// Spec §6.7 with Activity normalized (Q6): the estimate's raw rows with a Cat and a
    /// unit cost, grouped by canonical key hash, give their average unit cost to the first
    /// item of the active Golden list with that hash, when it moves the price by at least
    /// 0.005; updated in place (no new revision), the old price kept as
    /// `last_known_unit_price`. With a Golden list, one `golden_price_update_log` row is
    /// written even for zero updates. Holds the Golden revision lock, so a Golden PETL
    /// import never publishes over these updates unseen.
    func syncGolden(company: Int64, project: Int64, version: Int64) throws -> JSONValue {
        try GoldenRevisions.lock(connection)
        let row = try connection.query(
            """
            WITH golden AS (
                SELECT id FROM price_list WHERE kind = 'GOLDEN' AND is_active
            ), groups AS (
                SELECT canonical_key_hash, trim_scale(avg(unit_cost)) AS new_price
                FROM raw_xact_row
                WHERE estimate_version_id = $1 AND btrim(coalesce(cat, '')) <> '' AND unit_cost IS NOT NULL
                GROUP BY canonical_key_hash
            ), targets AS (
                SELECT DISTINCT ON (g.canonical_key_hash) i.id, coalesce(i.unit_price, 0) AS old_price, g.new_price
                FROM groups g
                JOIN price_list_item i ON i.price_list_id = (SELECT id FROM golden) AND i.canonical_key_hash = g.canonical_key_hash
                ORDER BY g.canonical_key_hash, i.id
            ), changed AS (
                UPDATE price_list_item i SET last_known_unit_price = t.old_price, unit_price = t.new_price, updated_at = now()
                FROM targets t
                WHERE i.price_list_id = (SELECT id FROM golden) AND i.id = t.id AND abs(t.new_price - t.old_price) >= 0.005
                RETURNING t.old_price, t.new_price
            )
            SELECT (SELECT id FROM golden), count(*), coalesce(avg(new_price - old_price), 0)::text,
                   (CASE WHEN count(*) = 0 THEN 0
                         ELSE coalesce(sum((new_price - old_price) / old_price) FILTER (WHERE old_price > 0), 0) / count(*)
                    END)::text
            FROM changed
            """, version
        ).first!
        let zero: JSONValue = ["updatedCount": 0, "avgDelta": 0, "avgPercentDelta": 0]
        guard let golden = try row.decode(0, as: Int64.self) else { return zero }
        let updated = try row.require(1, as: Int64.self)
        let avgDelta = try row.require(2, as: String.self)
        let avgPercentDelta = try row.require(3, as: String.self)
        try connection.query(
            """
            INSERT INTO golden_price_update_log (company_id, project_id, estimate_version_id, price_list_id, import_job_id,
                changed_by, updated_count, avg_delta, avg_percent_delta, source)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9::numeric, 'XACT_ESTIMATE')
            """, company, project, version, golden, job.jobId, createdBy, updated, avgDelta, avgPercentDelta)
        return [
            "priceListId": .int(golden), "updatedCount": .int(updated),
            "avgDelta": .double(Double(avgDelta) ?? 0), "avgPercentDelta": .double(Double(avgPercentDelta) ?? 0),
        ]
    }
}
