public import TesseraDomain

/// What a points operation wrote (or, on a replay, had written) and the account afterwards.
public struct PointsOutcome: Sendable, Hashable, Encodable {
    public var entries: [PointsEntry]
    public var balance: Int64
    public var debt: Int64
    /// True when the idempotency key had been used: nothing was written this time.
    public var replayed: Bool

    public init(entries: [PointsEntry], balance: Int64, debt: Int64, replayed: Bool) {
        self.entries = entries
        self.balance = balance
        self.debt = debt
        self.replayed = replayed
    }
}
