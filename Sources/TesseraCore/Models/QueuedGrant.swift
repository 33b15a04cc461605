public import TesseraDomain

/// A journey grant leased for applying through the loyalty services.
public struct QueuedGrant: Sendable, Hashable {
    public var group: GroupID
    /// The step's idempotency key; the loyalty services see `journey:<key>`.
    public var key: String
    public var journeyID: String
    public var node: String
    public var member: MemberID
    public var brandID: BrandID
    public var grant: JourneyGrant?
    /// Attempts before this one.
    public var attempts: Int

    public init(
        group: GroupID, key: String, journeyID: String, node: String, member: MemberID, brandID: BrandID,
        grant: JourneyGrant?, attempts: Int
    ) {
        self.group = group
        self.key = key
        self.journeyID = journeyID
        self.node = node
        self.member = member
        self.brandID = brandID
        self.grant = grant
        self.attempts = attempts
    }

    /// What applying a grant came to.
    public enum Outcome: Sendable, Hashable {
        /// Given; `result` names it (the coupon code, the benefit id, the points credited).
        case granted(result: String)
        /// Try again later (the database was busy, a transient failure).
        case retry(detail: String)
        /// Never given, for `reason` (`out_of_stock`, `member_limit_reached`, `template_disabled`…).
        case failed(reason: String, detail: String)
    }
}
