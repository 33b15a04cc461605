public import Foundation
public import TesseraDomain

/// One operation on a member's stored value in one brand, with what the ledger records about it.
public struct StoredValueRequest: Sendable {
    /// What is asked; a refund names the spend it gives back, which the store loads.
    public enum Action: Sendable, Hashable {
        case topUp(principal: Int64, bonus: Int64)
        case spend(Int64)
        case refund(Int64, spendID: String)
        case cashOut
        case adjust(Int64)
    }

    public var group: GroupID
    public var brand: BrandID
    public var member: MemberID
    public var action: Action
    public var reason: String
    public var source: PointsSource
    public var idempotencyKey: String
    public var at: Date

    public init(
        group: GroupID, brand: BrandID, member: MemberID, action: Action, reason: String, source: PointsSource,
        idempotencyKey: String, at: Date
    ) {
        self.group = group
        self.brand = brand
        self.member = member
        self.action = action
        self.reason = reason
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.at = at
    }
}

/// What a stored-value operation answers: the entry, the balances after it, and whether it was a replay.
public struct StoredValueOutcome: Sendable, Hashable, Encodable {
    public var entry: StoredValueEntry
    public var principal: Int64
    public var bonus: Int64
    public var balance: Int64 { principal + bonus }
    public var replayed: Bool

    public init(entry: StoredValueEntry, principal: Int64, bonus: Int64, replayed: Bool) {
        self.entry = entry
        self.principal = principal
        self.bonus = bonus
        self.replayed = replayed
    }

    private enum CodingKeys: String, CodingKey { case entry, principal, bonus, balance, replayed }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry, forKey: .entry)
        try container.encode(principal, forKey: .principal)
        try container.encode(bonus, forKey: .bonus)
        try container.encode(balance, forKey: .balance)
        try container.encode(replayed, forKey: .replayed)
    }
}
