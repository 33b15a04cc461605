public import Foundation

/// A member's stored value (储值) in one brand: paid-in principal and brand-given bonus, in minor
/// units. Pure: stores load it, apply one operation, and write back the entry it returns.
///
/// Invariants (property-tested): `principal ≥ 0`, `bonus ≥ 0`, both equal the sums of their entries,
/// and no spend is refunded beyond what it took.
public struct StoredValueAccount: Sendable, Hashable {
    public private(set) var principal: Int64
    public private(set) var bonus: Int64

    public init(principal: Int64 = 0, bonus: Int64 = 0) {
        self.principal = principal
        self.bonus = bonus
    }

    public var balance: Int64 { principal + bonus }

    /// Applies `operation` and returns the entry to store. Refusals (`insufficient_balance`,
    /// `invalid_amount`, `refund_exceeds_spend`) change nothing.
    /// ```swift
    /// // principal 100, bonus 50; spend 30 → principal −20, bonus −10
    /// ```
    public mutating func apply(
        _ operation: StoredValueOperation, id: String, reason: String, source: PointsSource, idempotencyKey: String,
        at: Date
    ) throws(LoyaltyError) -> StoredValueEntry {
        let (kind, change, refundOf) = try Self.change(for: operation, account: self)
        principal += change.principal
        bonus += change.bonus
        return StoredValueEntry(
            id: id, kind: kind, principal: change.principal, bonus: change.bonus, reason: reason, source: source,
            idempotencyKey: idempotencyKey, occurredAt: at, refundOf: refundOf)
    }

    private static func change(for operation: StoredValueOperation, account: StoredValueAccount) throws(LoyaltyError)
        -> (StoredValueEntryKind, (principal: Int64, bonus: Int64), String?)
    {
        switch operation {
        case .topUp(let principal, let bonus):
            try check(principal, "principalMinor", minimum: 1)
            try check(bonus, "bonusMinor", minimum: 0)
            return (.topUp, (principal, bonus), nil)
        case .spend(let amount):
            try check(amount, "amountMinor", minimum: 1)
            guard amount <= account.balance else {
                throw LoyaltyError(
                    code: "insufficient_balance", field: "amountMinor",
                    message: "\(amount) requested but only \(account.balance) stored")
            }
            // Bonus in proportion to what the account holds, rounded down; the rest is principal,
            // bounded so neither side goes below zero.
            let share = Rounding.down.scale(amount, by: account.bonus, over: max(1, account.balance))
            let fromBonus = min(account.bonus, max(share, amount - account.principal))
            return (.spend, (-(amount - fromBonus), -fromBonus), nil)
        case .refund(let amount, let spend, let refunded):
            try check(amount, "amountMinor", minimum: 1)
            guard spend.kind == .spend else {
                throw LoyaltyError(code: "not_a_spend", field: "spend", message: "only a spend can be refunded")
            }
            let left = (principal: -spend.principal - refunded.principal, bonus: -spend.bonus - refunded.bonus)
            guard amount <= left.principal + left.bonus else {
                throw LoyaltyError(
                    code: "refund_exceeds_spend", field: "amountMinor",
                    message: "\(amount) asked but only \(left.principal + left.bonus) of this spend is left to refund")
            }
            // The spend's own proportion: a full refund restores exactly what it took.
            let toBonus = min(
                left.bonus,
                max(
                    amount - left.principal,
                    Rounding.down.scale(amount, by: -spend.bonus, over: max(1, -spend.principal - spend.bonus))))
            return (.refund, (amount - toBonus, toBonus), spend.id)
        case .cashOut:
            guard account.balance > 0 else {
                throw LoyaltyError(code: "insufficient_balance", field: nil, message: "nothing is stored")
            }
            return (.cashOut, (-account.principal, -account.bonus), nil)
        case .adjust(let amount):
            guard amount != 0, abs(amount) <= StoredValueOperation.maximumMinor else {
                throw LoyaltyError.invalidAmount(
                    "amountMinor", amount,
                    "must be non-zero and at most \(StoredValueOperation.maximumMinor) either way")
            }
            guard account.principal + amount >= 0 else {
                throw LoyaltyError(
                    code: "insufficient_balance", field: "amountMinor",
                    message: "the principal is \(account.principal); it cannot go below zero")
            }
            return (.adjust, (amount, 0), nil)
        }
    }

    private static func check(_ value: Int64, _ field: String, minimum: Int64) throws(LoyaltyError) {
        guard (minimum...StoredValueOperation.maximumMinor).contains(value) else {
            throw LoyaltyError.invalidAmount(
                field, value, "must be from \(minimum) to \(StoredValueOperation.maximumMinor)")
        }
    }
}

extension StoredValueAccount: Encodable {
    private enum CodingKeys: String, CodingKey { case principal, bonus, balance }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(principal, forKey: .principal)
        try container.encode(bonus, forKey: .bonus)
        try container.encode(balance, forKey: .balance)
    }
}
