public import Foundation

/// A member's points in one brand's programme, as the pure state the ledger's rules act on: the
/// open lots and the debt. Stores load it, apply one operation, and write back the entries it
/// returns, all in one transaction.
///
/// Invariants (checked by property tests): `balance == Σ lot.remaining ≥ 0`, `debt ≥ 0`, a debt
/// only exists while nothing is spendable, no lot is consumed beyond its amount, and every
/// operation's entries change `balance` and `debt` by exactly their `points` and `debt`.
public struct PointsAccount: Sendable, Hashable {
    /// Lots with points left, in any order.
    public private(set) var lots: [PointsLot]
    public private(set) var debt: Int64

    public init(lots: [PointsLot] = [], debt: Int64 = 0) {
        self.lots = lots.filter { $0.remaining > 0 }
        self.debt = debt
    }

    /// Points left in lots, including lots past expiry that have not been expired yet.
    public var balance: Int64 { lots.reduce(0) { $0 + $1.remaining } }

    /// Points spendable at `date`: in lots that have not expired by then.
    public func available(at date: Date) -> Int64 {
        lots.filter { !$0.isExpired(at: date) }.reduce(0) { $0 + $1.remaining }
    }

    /// Points that expire within `(date, until]`.
    public func expiring(after date: Date, until end: Date) -> Int64 {
        lots.filter { lot in lot.expiresAt.map { $0 > date && $0 <= end } ?? false }.reduce(0) { $0 + $1.remaining }
    }

    /// Applies `operation` at `at` and returns the ledger entries to store, in order.
    ///
    /// Lots already past expiry are expired first (an `expire` entry with id `"<id>-x"`), so a
    /// member never spends points that have lapsed, whether or not the expiry job has run yet.
    /// An operation that changes nothing (`expire` with nothing due) returns no entries.
    public mutating func apply(
        _ operation: PointsOperation, id: String, reason: String, source: PointsSource, idempotencyKey: String, at: Date
    ) throws(LoyaltyError) -> [PointsEntry] {
        try Self.validate(operation)
        if case .debit(let points, _) = operation {
            // Checked before anything changes, so a refusal leaves the account as it was.
            let available = available(at: at)
            guard points <= available else { throw .insufficientPoints(requested: points, available: available) }
        }
        var entries: [PointsEntry] = []
        let due = lots.filter { $0.isExpired(at: at) }
        if !due.isEmpty {
            let consumed = consume(from: due.sorted(by: PointsLot.consumedBefore), upTo: Int64.max)
            let expireKey = operation == .expire ? idempotencyKey : idempotencyKey + "#expire"
            entries.append(
                PointsEntry(
                    id: operation == .expire ? id : id + "-x", kind: .expire, points: -consumed.total, debt: 0,
                    reason: operation == .expire ? reason : "expired before this operation",
                    source: operation == .expire ? source : PointsSource(type: "system"),
                    idempotencyKey: expireKey, occurredAt: at, consumed: consumed.parts))
        }
        switch operation {
        case .expire:
            break
        case .credit(let points, let kind, let expiresAt):
            let settled = min(debt, points)
            debt -= settled
            let lot =
                points > settled
                ? PointsLot(
                    id: id, earnedAt: at, expiresAt: expiresAt, amount: points - settled, remaining: points - settled)
                : nil
            if let lot { lots.append(lot) }
            entries.append(
                PointsEntry(
                    id: id, kind: kind, points: points - settled, debt: -settled, reason: reason, source: source,
                    idempotencyKey: idempotencyKey, occurredAt: at, createdLot: lot))
        case .debit(let points, let kind):
            let consumed = consume(from: lots.sorted(by: PointsLot.consumedBefore), upTo: points)
            entries.append(
                PointsEntry(
                    id: id, kind: kind, points: -consumed.total, debt: 0, reason: reason, source: source,
                    idempotencyKey: idempotencyKey, occurredAt: at, consumed: consumed.parts))
        case .clawBack(let points):
            let consumed = consume(from: lots.sorted(by: PointsLot.consumedBefore), upTo: points)
            let owed = points - consumed.total
            debt += owed
            entries.append(
                PointsEntry(
                    id: id, kind: .clawBack, points: -consumed.total, debt: owed, reason: reason, source: source,
                    idempotencyKey: idempotencyKey, occurredAt: at, consumed: consumed.parts))
        }
        return entries
    }

    /// Moves everything of `other` (the account of a member merged into this one) here: each of its
    /// lots arrives with its earning time and expiry (settling this account's debt first, as any
    /// credit does), and its debt is taken from what this account holds, the rest owed. `other`
    /// ends empty. Returns the entries of both accounts (all `transfer`); ids and idempotency keys
    /// derive from `id` and `idempotencyKey` (`-o` out, `-i<n>` per lot in, `-d` debt in).
    public mutating func absorb(
        _ other: inout PointsAccount, id: String, reason: String, source: PointsSource, idempotencyKey: String,
        at: Date
    ) -> (out: [PointsEntry], in: [PointsEntry]) {
        guard other.balance > 0 || other.debt > 0 else { return ([], []) }
        let moving = other.lots.sorted(by: PointsLot.consumedBefore)
        let out = PointsEntry(
            id: id + "-o", kind: .transfer, points: -other.balance, debt: -other.debt, reason: reason, source: source,
            idempotencyKey: idempotencyKey + "-o", occurredAt: at,
            consumed: moving.map { PointsConsumption(lotID: $0.id, points: $0.remaining) })
        let owed = other.debt
        other = PointsAccount()
        var entries: [PointsEntry] = []
        for (index, lot) in moving.enumerated() {
            let settled = min(debt, lot.remaining)
            debt -= settled
            let arrived =
                lot.remaining > settled
                ? PointsLot(
                    id: "\(id)-i\(index)", earnedAt: lot.earnedAt, expiresAt: lot.expiresAt,
                    amount: lot.remaining - settled, remaining: lot.remaining - settled) : nil
            if let arrived { lots.append(arrived) }
            entries.append(
                PointsEntry(
                    id: "\(id)-i\(index)", kind: .transfer, points: lot.remaining - settled, debt: -settled,
                    reason: reason, source: source, idempotencyKey: "\(idempotencyKey)-i\(index)", occurredAt: at,
                    createdLot: arrived))
        }
        if owed > 0 {
            let consumed = consume(from: lots.sorted(by: PointsLot.consumedBefore), upTo: owed)
            debt += owed - consumed.total
            entries.append(
                PointsEntry(
                    id: id + "-d", kind: .transfer, points: -consumed.total, debt: owed - consumed.total,
                    reason: reason,
                    source: source, idempotencyKey: idempotencyKey + "-d", occurredAt: at, consumed: consumed.parts))
        }
        return ([out], entries)
    }

    private static func validate(_ operation: PointsOperation) throws(LoyaltyError) {
        let points: Int64
        switch operation {
        case .credit(let amount, let kind, _):
            precondition([.earn, .adjust, .transfer].contains(kind), "a credit is an earn, adjust or transfer")
            points = amount
        case .debit(let amount, let kind):
            precondition([.redeem, .adjust, .transfer].contains(kind), "a debit is a redeem, adjust or transfer")
            points = amount
        case .clawBack(let amount): points = amount
        case .expire: return
        }
        guard points > 0, points <= PointsOperation.maximumPoints else {
            throw .invalidAmount("points", points, "must be between 1 and \(PointsOperation.maximumPoints)")
        }
    }

    /// Takes up to `limit` points from `order` (lots of this account, in consumption order).
    private mutating func consume(from order: [PointsLot], upTo limit: Int64) -> (
        total: Int64, parts: [PointsConsumption]
    ) {
        var total: Int64 = 0
        var parts: [PointsConsumption] = []
        for lot in order where total < limit {
            guard let index = lots.firstIndex(where: { $0.id == lot.id }) else { continue }
            let take = min(lots[index].remaining, limit - total)
            lots[index].remaining -= take
            total += take
            parts.append(PointsConsumption(lotID: lot.id, points: take))
        }
        lots.removeAll { $0.remaining == 0 }
        return (total, parts)
    }
}

extension PointsLot {
    /// Whether the lot's points have lapsed at `date` (expiry is exclusive: at the instant, they are gone).
    public func isExpired(at date: Date) -> Bool { expiresAt.map { $0 <= date } ?? false }
}
