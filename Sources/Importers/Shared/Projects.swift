import IngestCore
public import IngestPostgres

/// A project, named by its `code` (DESIGN §8: the directory of an XACT route, or
/// `--project` on the command line).
public struct ProjectRef: Sendable, Equatable {
    /// `project.id`.
    public var id: Int64
    /// The company that owns the project.
    public var companyId: Int64
    /// The project's code.
    public var code: String
}

/// Finds (and, where allowed, creates) the project an XACT import targets.
public enum Projects {
    /// The project `code` of `options`.
    /// - Throws: ``ImportFailure/Code/precondition`` when no project is named, or the
    ///   project does not exist and `options.createsProject` is off.
    public static func resolve(_ connection: PostgresConnection, options: ImportOptions) throws -> ProjectRef {
        let code = try named(options)
        if let found = try find(connection, code: code) { return found }
        guard options.createsProject else { throw missing(code) }
        // Concurrent imports for one new project: ON CONFLICT makes the second a lookup.
        try connection.query(
            """
            WITH company AS (
                INSERT INTO company (name) VALUES ($2) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id
            )
            INSERT INTO project (company_id, code, name) SELECT id, $1, $1 FROM company
            ON CONFLICT (code) DO NOTHING
            """, code, options.company)
        guard let created = try find(connection, code: code) else {
            throw ImportFailure(code: .internalError, message: "project '\(code)' could not be created")
        }
        return created
    }

    /// The project of `options` as it exists: ``resolve(_:options:)`` that never creates one
    /// (components, history and rollback read a project; they do not make one).
    public static func existing(_ connection: PostgresConnection, options: ImportOptions) throws -> ProjectRef {
        var lookup = options
        lookup.createsProject = false
        return try resolve(connection, options: lookup)
    }

    /// What ``resolve(_:options:)`` would refuse, without creating anything; returns the code.
    /// - Throws: ``ImportFailure/Code/precondition`` when no project is named, or the
    ///   project does not exist and `options.createsProject` is off.
    @discardableResult
    public static func check(_ connection: PostgresConnection, options: ImportOptions) throws -> String {
        let code = try named(options)
        guard try options.createsProject || find(connection, code: code) != nil else { throw missing(code) }
        return code
    }

    /// The project code `options` names.
    /// - Throws: ``ImportFailure/Code/precondition`` when none is named.
    private static func named(_ options: ImportOptions) throws(ImportFailure) -> String {
        guard let code = options.project, !code.isEmpty else {
            throw ImportFailure(
                code: .precondition,
                message: "no project given: drop the file into a project's directory, or pass --project")
        }
        return code
    }

    /// The failure of a project that does not exist and may not be created.
    private static func missing(_ code: String) -> ImportFailure {
        ImportFailure(code: .precondition, message: "project '\(code)' does not exist; create it, or set auto_create_projects: true")
    }

    static func find(_ connection: PostgresConnection, code: String) throws -> ProjectRef? {
        try connection.query("SELECT id, company_id FROM project WHERE code = $1", code).first.map { row in
            ProjectRef(id: try row.require(0, as: Int64.self), companyId: try row.require(1, as: Int64.self), code: code)
        }
    }

    /// The job's facts for the project and estimate version it works on (`projectId`,
    /// `companyId`, `projectCode`, `estimateVersionId`; the ledger records the ids on the job).
    static func facts(project: ProjectRef, estimateVersion: Int64) -> [String: JSONValue] {
        [
            "projectId": .int(project.id), "companyId": .int(project.companyId), "projectCode": .string(project.code),
            "estimateVersionId": .int(estimateVersion),
        ]
    }

    /// Serializes the model-building work of one project (units, particles, logical items)
    /// until the transaction ends.
    public static func lock(_ connection: PostgresConnection, project: Int64) throws {
        try connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('nexus-ingest project ' || current_schema() || ' ' || $1, 0))",
            String(project))
    }
}
