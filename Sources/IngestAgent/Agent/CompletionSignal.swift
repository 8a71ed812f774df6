/// What makes an upload complete on a route (`complete_when`), besides being settled: size
/// and mtime quiet for `settle_seconds` and no writer holding it open (DESIGN §1.1).
///
/// An SFTP upload that was cut off sits under its final name, closed, looking finished; a
/// positive signal from the sender tells it apart. Signal files are never imported.
public enum CompletionSignal: Sendable, Equatable {
    /// Settled is enough (the default).
    case settled
    /// `<file><suffix>` (default `<file>.done`) must exist, written no earlier than the upload.
    case marker(suffix: String)
    /// `<file>.sha256` (`sha256sum` format) must exist, written no earlier than the upload;
    /// the planner checks that it matches.
    case checksum

    /// The marker suffix unless a route names another.
    public static let defaultMarkerSuffix = ".done"
    /// The sidecar suffix. A sidecar is verified on every route where it exists.
    public static let checksumSuffix = ".sha256"

    /// The signal file `path` waits for, or nil when settled is enough.
    public func signalPath(for path: String) -> String? {
        switch self {
        case .settled: nil
        case .marker(let suffix): path + suffix
        case .checksum: path + Self.checksumSuffix
        }
    }
}
