/// The version of nexus-ingest (also the Debian package version).
public enum ProductVersion {
    /// The version string printed by `nexus-ingest --version`.
    public static let current = "0.1.0"
}
