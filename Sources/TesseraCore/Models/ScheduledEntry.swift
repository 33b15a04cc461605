/// What one call entering due schedules did (``JourneyStore/enterScheduledJourneys(now:group:lease:)``):
/// how many schedules still have members to enter, and the runs entered under the caller's lease,
/// which it steps itself (``JourneyService/step(_:token:at:)``).
public struct ScheduledEntry: Sendable {
    /// Schedules part-entered, to be called again for.
    public var unfinished: Int
    /// The runs entered, leased to the caller (empty when the call named no lease).
    public var runs: [JourneyRun]

    public init(unfinished: Int, runs: [JourneyRun]) {
        self.unfinished = unfinished
        self.runs = runs
    }
}
