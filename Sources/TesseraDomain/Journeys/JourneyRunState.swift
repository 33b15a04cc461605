/// Where one member stands in one journey entry, as stored between steps.
public struct JourneyRunState: Sendable, Hashable {
    /// The node to run when the step is due.
    public var node: String
    /// When the member reached `node` (a wait for an event looks at events from then on);
    /// microseconds.
    public var since: Int64
    /// When the member entered (the event's time for event entries); microseconds.
    public var enteredAt: Int64
    /// The entry's "unless" condition has not been checked yet.
    public var entering: Bool

    public init(node: String, since: Int64, enteredAt: Int64, entering: Bool) {
        self.node = node
        self.since = since
        self.enteredAt = enteredAt
        self.entering = entering
    }
}

/// A side effect a step asks for; the store applies them in the step's transaction, each under the
/// idempotency key `(journey version, member, node, entry)`.
public enum JourneyAction: Sendable, Hashable {
    /// The member passed `node` (down `branch` of a split): the journey's per-node analytics.
    case visit(node: String, branch: String?)
    case tag(node: String, name: String, add: Bool)
    case send(node: String, channel: String, template: String)
    /// A message the guardrails stopped, recorded with the reason.
    case suppress(node: String, channel: String, template: String, reason: DeliveryFailure)
    /// A grant queued for the loyalty services (at most `budget` from this node).
    case grant(node: String, JourneyGrant, budget: Int?)
    /// A task for the member's store guide.
    case task(node: String, title: String, dueHours: Int)
}

/// What one step did: its side effects, then where the member goes.
public struct JourneyAdvance: Sendable, Hashable {
    public var actions: [JourneyAction]
    public var next: Next

    /// Why a member left a journey.
    public enum Outcome: String, Sendable, Hashable {
        /// Reached an exit node.
        case exited
        /// Reached an exit node marked as the goal.
        case goal
        /// Drawn into a split's holdout control group.
        case control
        /// The entry's "unless" event happened within its span.
        case excluded
        /// Stopped by a filter node.
        case filtered
    }

    public enum Next: Sendable, Hashable {
        /// Run `state` again at `due` (microseconds).
        case wait(JourneyRunState, due: Int64)
        case finished(node: String, Outcome)
    }

    public init(actions: [JourneyAction], next: Next) {
        self.actions = actions
        self.next = next
    }
}
