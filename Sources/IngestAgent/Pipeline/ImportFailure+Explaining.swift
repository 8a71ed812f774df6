import Importers
import IngestCore
import IngestPostgres

extension ImportFailure {
    /// Any error as the ``ImportFailure`` that explains it to an operator.
    static func explaining(_ error: any Error) -> ImportFailure {
        switch error {
        case let failure as ImportFailure:
            return failure
        case let scan as CSVScanError:
            return ImportFailure(code: .malformedFile, message: scan.message, line: scan.line)
        case let system as SystemError:
            return ImportFailure(code: .io, message: system.description)
        case let database as PostgresError:
            return ImportFailure(code: .database, message: database.description, sqlState: database.sqlState)
        default:
            return ImportFailure(code: .internalError, message: "\(error)")
        }
    }
}
