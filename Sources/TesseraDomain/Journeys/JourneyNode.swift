/// One step of a journey graph. Nodes name their successors by id; ``JourneyDefinition`` checks
/// the graph (every id exists, every node is reachable, every cycle passes a wait).
public enum JourneyNode: Sendable, Hashable {
    /// Holds the member for a duration, then continues.
    case wait(seconds: Int64, next: String)
    /// Holds the member until they do something (continue at `next`) or until `timeoutSeconds`
    /// pass without it (continue at `timeout`): "sent the coupon; did they order within 3 days?".
    case waitForEvent(EventMatcher, timeoutSeconds: Int64, next: String, timeout: String)
    /// Continues at `yes` when the member matches the rule now, else at `no`.
    case condition(SegmentRule, yes: String, no: String)
    /// Lets through the members who pass (``JourneyFilter``); the others leave (`filtered`).
    case filter(JourneyFilter, next: String)
    /// Sends each member down one branch with probability weight / total; a branch without `next`
    /// is a holdout control group that leaves the journey (and is measured against the others).
    case split([JourneyBranch])
    /// Adds (or removes) a tag of the brand, recorded with the journey as its source.
    case tag(String, add: Bool, next: String)
    /// Hands a message to a channel (recorded in the journey's outbox with its idempotency key);
    /// `consent` names the consent the member must have given, when it is not the channel's own (a
    /// webhook that forwards to an SMS provider needs `sms`).
    case send(channel: String, template: String, consent: String?, next: String)
    /// Gives the member a coupon, points, growth value or a benefit through the loyalty services;
    /// `budget` caps how many this node grants over the journey's life (members past it are recorded
    /// with `budget_exhausted` and go on).
    case grant(JourneyGrant, budget: Int?, next: String)
    /// Creates a task for the member's store guide ("call about the abandoned cart"), due after
    /// `dueHours`.
    case task(title: String, dueHours: Int, next: String)
    /// Leaves the journey; `goal` marks a conversion for the journey's analytics.
    case exit(goal: Bool)

    /// The ids this node may continue at.
    public var successors: [String] {
        switch self {
        case .wait(_, let next), .tag(_, _, let next), .send(_, _, _, let next), .grant(_, _, let next),
            .task(_, _, let next), .filter(_, let next):
            [next]
        case .waitForEvent(_, _, let next, let timeout): [next, timeout]
        case .condition(_, let yes, let no): [yes, no]
        case .split(let branches): branches.compactMap(\.next)
        case .exit: []
        }
    }

    /// Whether the member may stay here for some time (a cycle needs one, or it would spin).
    public var holds: Bool {
        switch self {
        case .wait, .waitForEvent: true
        default: false
        }
    }
}

/// One branch of a ``JourneyNode/split(_:)``.
public struct JourneyBranch: Sendable, Hashable {
    public var name: String
    /// A positive share; branches split members in proportion to their weights.
    public var weight: Int
    /// Where the branch continues; nil for a holdout control group.
    public var next: String?

    public init(name: String, weight: Int, next: String?) {
        self.name = name
        self.weight = weight
        self.next = next
    }
}
