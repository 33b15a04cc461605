public import TesseraDomain

/// One member's entry into one journey version, claimed by a worker for a step.
public struct JourneyRun: Sendable, Hashable {
    public var group: GroupID
    public var id: String
    public var journeyID: String
    public var version: Int64
    public var brandID: BrandID
    public var member: MemberID
    /// What entered the member (an event id, a schedule): unique per journey and member.
    public var entryKey: String
    public var state: JourneyRunState
    /// Where the lease (or a leased entry) left the run's row (PostgreSQL's `ctid`, SQLite's `rowid`,
    /// as text), so the step's write goes straight to it instead of searching an index of long text
    /// keys — a lookup that cost as much as the rest of a blast's lease (`BENCHMARKS.md`, session 21).
    /// Only a hint: the write still checks the run's id and lease, and finds a run whose row moved by
    /// its entry (journey, member, entry key).
    public var leasedRow: String?

    public init(
        group: GroupID, id: String, journeyID: String, version: Int64, brandID: BrandID, member: MemberID,
        entryKey: String, state: JourneyRunState, leasedRow: String? = nil
    ) {
        self.group = group
        self.id = id
        self.journeyID = journeyID
        self.version = version
        self.brandID = brandID
        self.member = member
        self.entryKey = entryKey
        self.state = state
        self.leasedRow = leasedRow
    }

    /// The idempotency key of a side effect at `node` in this step: `(journey version, member, node,
    /// entry)` and the step's journey time, which tells a loop's passes through a node apart and is
    /// the same when the step is retried.
    public func effectKey(node: String) -> String {
        "\(journeyID):\(version):\(member.rawValue):\(node):\(entryKey):\(state.since)"
    }
}

/// Per-journey figures: runs by status and outcome, visits per node and branch, messages per node
/// and status.
public struct JourneyStatistics: Sendable, Hashable {
    /// `active`, or the outcome of finished runs (`exited`, `goal`, `control`, `excluded`, `stopped`).
    public var runs: [String: Int64]
    /// node → branch (`""` for none) → visits.
    public var visits: [String: [String: Int64]]
    /// node → status → messages.
    public var messages: [String: [String: Int64]]

    public init(runs: [String: Int64], visits: [String: [String: Int64]], messages: [String: [String: Int64]]) {
        self.runs = runs
        self.visits = visits
        self.messages = messages
    }
}
