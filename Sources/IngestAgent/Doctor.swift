import IngestPostgres

#if canImport(Glibc)
import Glibc
#endif

/// Health checks an operator runs with `nexus-ingest doctor`.
public struct Doctor {
    /// One check's outcome.
    public struct Check: Sendable, Equatable {
        /// How a check ended.
        public enum Outcome: String, Sendable {
            case ok, warning, failed
        }
        /// What was checked, e.g. `database`.
        public var name: String
        /// How it ended.
        public var outcome: Outcome
        /// What was found, for people.
        public var detail: String

        /// Creates a check's outcome.
        public init(name: String, outcome: Outcome, detail: String) {
            self.name = name
            self.outcome = outcome
            self.detail = detail
        }
    }

    private let configuration: AgentConfiguration

    /// Creates a doctor for `configuration`.
    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    /// Runs every check, in order; a failed check never stops the later ones.
    public func run() -> [Check] {
        var checks = [configurationCheck()]
        checks += directoryChecks()
        if let mount = MountInfo.containing(configuration.pipeline.spoolDirectory) { checks.append(Self.spoolMountCheck(mount)) }
        checks.append(inotifyCheck())
        checks.append(leaseCheck())
        do {
            let connection = try PostgresConnection(conninfo: configuration.conninfo)
            checks.append(Check(name: "database", outcome: .ok, detail: "connected, server version \(formatVersion(connection.serverVersion))"))
            checks.append(schemaCheck(connection))
            do {
                checks.append(Self.lockTableCheck(try Self.partitionLocks(connection, schema: configuration.databaseSchema)))
            } catch {
                checks.append(Check(name: "lock table", outcome: .failed, detail: "\(error)"))
            }
        } catch {
            checks.append(Check(name: "database", outcome: .failed, detail: "\(error)"))
        }
        return checks
    }

    private func configurationCheck() -> Check {
        let source = configuration.configFile.map { "config file \($0)" } ?? "no config file (environment and defaults)"
        let database = configuration.databaseURL == nil ? "database from PG* environment" : "database.url set"
        return Check(name: "configuration", outcome: .ok, detail: "\(source); \(database); schema \(configuration.databaseSchema)")
    }

    private func schemaCheck(_ connection: PostgresConnection) -> Check {
        do {
            let status = try Migrator(connection: connection, schema: configuration.databaseSchema, migrations: configuration.importers.migrations).status()
            if !status.unknownVersions.isEmpty {
                return Check(name: "schema", outcome: .failed,
                             detail: "schema \(configuration.databaseSchema) has migrations \(status.unknownVersions) newer than this binary")
            }
            if !status.pendingVersions.isEmpty {
                return Check(name: "schema", outcome: .failed,
                             detail: "migrations \(status.pendingVersions) pending: run `nexus-ingest migrate`")
            }
            return Check(name: "schema", outcome: .ok,
                         detail: "schema \(configuration.databaseSchema) at version \(status.appliedVersions.last ?? 0), up to date")
        } catch {
            return Check(name: "schema", outcome: .failed, detail: "\(error)")
        }
    }

    private func directoryChecks() -> [Check] {
        let dropRoot = configuration.agent.dropRoot
        let spool = configuration.pipeline.spoolDirectory
        var checks: [Check] = []
        if SystemFacts.isWritableDirectory(dropRoot) {
            checks.append(Check(name: "drop root", outcome: .ok, detail: "\(dropRoot) exists and is writable"))
        } else {
            checks.append(Check(name: "drop root", outcome: .failed,
                                detail: "\(dropRoot) is missing or not writable by this user: create it (the agent writes status files next to uploads)"))
        }
        let spoolParts = ["", "/tmp", "/ready", "/claimed"].map { spool + $0 }
        if spoolParts.allSatisfy(SystemFacts.isWritableDirectory) {
            let devices = Set(spoolParts.compactMap(SystemFacts.device))
            if devices.count == 1 {
                let free = SystemFacts.freeBytes(spool) ?? 0
                let outcome: Check.Outcome = free < 1 << 30 ? .warning : .ok
                checks.append(Check(name: "spool", outcome: outcome,
                                    detail: "\(spool) is writable, one file system, \(free >> 20) MiB free\(outcome == .warning ? " (less than 1 GiB: large plans may fail)" : "")"))
            } else {
                checks.append(Check(name: "spool", outcome: .failed,
                                    detail: "\(spool)'s tmp/, ready/ and claimed/ are on different file systems: claims by rename(2) need one"))
            }
        } else {
            checks.append(Check(name: "spool", outcome: .failed,
                                detail: "\(spool) (with tmp/, ready/, claimed/) is missing or not writable: create it or run the agent once as its user"))
        }
        return checks
    }

    /// Whether the spool's file system suits claims by rename, and on NFS what its mount needs
    /// for several hosts to share it.
    static func spoolMountCheck(_ mount: MountInfo) -> Check {
        guard mount.isNetworkFileSystem else {
            return Check(name: "spool file system", outcome: .ok, detail: "\(mount.fileSystemType) on \(mount.mountPoint) (local): renames are atomic and seen at once")
        }
        var advice = [
            "mount it `hard` (a `soft` mount can fail a rename or a write halfway)",
            "`lookupcache=positive` and `actimeo=1` (or lower) so that other hosts see new and taken-over chunks within about a second",
        ]
        let soft = mount.options.contains("soft") || !mount.options.contains("hard")
        if !soft { advice.removeFirst() }
        let fast = mount.options.contains { $0 == "lookupcache=positive" || $0 == "lookupcache=none" || $0 == "noac" || $0 == "actimeo=1" || $0 == "actimeo=0" }
        if fast { advice.removeLast() }
        let current = mount.options.filter { ["hard", "soft", "noac"].contains($0) || $0.hasPrefix("lookupcache") || $0.hasPrefix("ac") || $0.hasPrefix("vers") }
        let detail = "\(mount.fileSystemType) \(mount.source) on \(mount.mountPoint) (\(current.joined(separator: ","))): "
            + "several hosts can share it (PostgreSQL decides who is alive; a rename retried after a lost reply is checked)"
            + (advice.isEmpty ? "" : "; " + advice.joined(separator: "; "))
        return Check(name: "spool file system", outcome: .warning, detail: detail)
    }

    private func inotifyCheck() -> Check {
        let limits = InotifyWatcher.limits()
        let watches = Int(limits["max_user_watches"] ?? "") ?? 0
        let events = Int(limits["max_queued_events"] ?? "") ?? 0
        let detail = "max_user_watches \(watches), max_queued_events \(events)"
        if watches < 8192 || events < 16384 {
            return Check(name: "inotify", outcome: .warning,
                         detail: detail + ": raise fs.inotify.max_user_watches / max_queued_events in /etc/sysctl.d")
        }
        return Check(name: "inotify", outcome: .ok, detail: detail)
    }

    private func leaseCheck() -> Check {
        if getuid() == 0 || SystemFacts.hasLeaseCapability() {
            return Check(name: "leases", outcome: .ok, detail: "read leases available: an upload still open for writing is never planned")
        }
        return Check(name: "leases", outcome: .warning,
                     detail: "no CAP_LEASE: uploads owned by other users are judged complete by the settle time alone")
    }

    private func formatVersion(_ version: Int) -> String {
        "\(version / 10000).\(version % 10000)"
    }
}
