/// `nexus-ingest publish|discard JOB` asked about a job that is not waiting for approval (it
/// does not exist, is still loading, or has ended). The job itself is left as it is.
public struct HeldJobError: Error, Sendable, CustomStringConvertible {
    /// The job asked about.
    public var job: Int64
    /// What is wrong, naming the job and its state.
    public var message: String

    public var description: String { message }
}
