import Foundation
import TesseraDomain

/// A member's growth value and tier in one brand as stored in `loyalty_members`, and the
/// statements that move them: a growth entry, the new status, tier history and the
/// `growth.changed` / `tier.changed` events, all for the transaction that holds the row's lock.
struct GrowthLedger: Sendable {
    var tier: String?
    var since: Date?
    var periodGrowth: Int64
    var periodEnd: Date?
    var graceUntil: Date?
    var anchor: Date
    /// Lifetime growth value.
    var growth: Int64

    /// Columns read back by ``init(_:from:)``, qualified by `alias`.
    static func columns(_ alias: String) -> String {
        ["tier", "tier_since", "period_growth", "period_end", "anchor", "growth", "grace_until"].map {
            "\(alias).\($0)"
        }
        .joined(separator: ", ")
    }

    /// The row at `offset` of ``columns(_:)``; `nil` when the member has no row yet (outer join).
    init?(_ row: SQLRow, from offset: Int) {
        guard let anchor = row.int(offset + 4) else { return nil }
        tier = row.text(offset)
        since = row.int(offset + 1).map(Timestamp.date)
        periodGrowth = row.int(offset + 2) ?? 0
        periodEnd = row.int(offset + 3).map(Timestamp.date)
        self.anchor = Timestamp.date(anchor)
        growth = row.int(offset + 5) ?? 0
        graceUntil = row.int(offset + 6).map(Timestamp.date)
    }

    /// When the member's tier next needs a review (period end or grace end).
    var reviewAt: Date? {
        guard let periodEnd else { return nil }
        return min(periodEnd, graceUntil ?? periodEnd)
    }

    /// Creates the member's row when missing (anchored at when they joined the brand, else when
    /// they were first seen), so that `SELECT … FOR UPDATE` has a row to lock.
    static func ensure(group: GroupID, brand: BrandID, member: MemberID, at: Date) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO loyalty_members (group_id, brand_id, member_id, period_growth, anchor, growth, updated_at) \
            SELECT m.group_id, ?, m.id, 0, coalesce(m.joined_at, m.created_at), 0, ? FROM members m \
            WHERE m.group_id = ? AND m.id = ? ON CONFLICT (group_id, brand_id, member_id) DO NOTHING
            """,
            [.text(brand.rawValue), .int(Timestamp.micros(at)), .text(group.rawValue), .text(member.rawValue)])
    }

    /// The locked row of the member (PostgreSQL `FOR UPDATE`; SQLite's writer is the lock).
    static func lock(group: GroupID, brand: BrandID, member: MemberID, dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT \(columns("l")) FROM loyalty_members l WHERE l.group_id = ? AND l.brand_id = ? AND l.member_id = ?"
                + (dialect == .postgres ? " FOR UPDATE" : ""),
            [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)])
    }

    /// Adds `delta` growth of the current period (0: only reviews the tier) at `at` under
    /// `program`, returning the statements and the tier changes. `earlier` is growth of past
    /// periods that only counts towards the lifetime total, and `keepingAtLeast` a tier the member
    /// keeps if it ranks higher (both for a merge). Ids derive from `id` so the caller stays pure.
    mutating func apply(
        _ delta: Int64, earlier: Int64 = 0, keepingAtLeast floor: String? = nil, program: LoyaltyProgram, at: Date,
        reason: String, source: PointsSource, key: String, id: String,
        owner: (group: GroupID, brand: BrandID, member: MemberID), dialect: SQLDialect
    ) -> (statements: [SQLStatement], changes: [TierChange]) {
        var changes: [TierChange] = []
        let before = (tier, since, periodGrowth, periodEnd, graceUntil)
        if let rules = program.tiers {
            let calendar = program.calendar
            var status: TierStatus
            if let tier, let since, let periodEnd {
                status = TierStatus(
                    tier: tier, since: since, periodGrowth: periodGrowth, periodEnd: periodEnd, anchor: anchor,
                    graceUntil: graceUntil)
            } else {
                let joined = TierStatus.joining(rules, anchor: anchor, at: at, calendar: calendar)
                status = joined.0
                changes.append(joined.1)
            }
            changes += status.add(delta, at: at, rules: rules, calendar: calendar)
            if let floor, let raised = status.raise(to: floor, reason: "merge", at: at, rules: rules) {
                changes.append(raised)
            }
            (tier, since, periodGrowth, periodEnd, graceUntil) = (
                status.tier, status.since, status.periodGrowth, status.periodEnd, status.graceUntil
            )
        } else {
            periodGrowth += delta
        }
        let total = delta + earlier
        growth += total
        if total == 0, before == (tier, since, periodGrowth, periodEnd, graceUntil) { return ([], []) }

        let (g, b, m) = (
            SQLValue.text(owner.group.rawValue), SQLValue.text(owner.brand.rawValue),
            SQLValue.text(owner.member.rawValue)
        )
        let now = SQLValue.int(Timestamp.micros(at))
        var statements: [SQLStatement] = []
        var events: [DomainEvent] = []
        if total != 0 {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO growth_entries (group_id, id, brand_id, member_id, growth, reason, source_type, source_id, \
                    idempotency_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        g, .text(id + "-g"), b, m, .int(total), .text(reason), .text(source.type),
                        .optional(source.id), .text(key), now,
                    ]))
            events.append(
                DomainEvent(
                    idempotencyKey: "growth:\(id)-g", brand: owner.brand, member: owner.member, name: "growth.changed",
                    properties: [
                        "growth": .number(Decimal(total)), "periodGrowth": .number(Decimal(periodGrowth)),
                        "total": .number(Decimal(growth)), "reason": .string(reason),
                    ], at: at))
        }
        statements.append(
            SQLStatement(
                """
                UPDATE loyalty_members SET tier = ?, tier_since = ?, period_growth = ?, period_end = ?, grace_until = ?, \
                review_at = ?, growth = ?, updated_at = ? WHERE group_id = ? AND brand_id = ? AND member_id = ?
                """,
                [
                    .optional(tier), .optional(since.map(Timestamp.micros)), .int(periodGrowth),
                    .optional(periodEnd.map(Timestamp.micros)), .optional(graceUntil.map(Timestamp.micros)),
                    .optional(reviewAt.map(Timestamp.micros)), .int(growth), now, g, b, m,
                ]))
        statements += SQLBuilder.insert(
            into: "tier_changes",
            columns: ["group_id", "id", "brand_id", "member_id", "from_tier", "to_tier", "reason", "occurred_at"],
            rows: changes.enumerated().map { index, change in
                [
                    g, .text("\(id)-t\(index)"), b, m, .optional(change.from), .text(change.to), .text(change.reason),
                    .int(Timestamp.micros(change.at)),
                ]
            })
        events += changes.enumerated().map { index, change in
            var properties: [String: JSONValue] = ["to": .string(change.to), "reason": .string(change.reason)]
            if let from = change.from { properties["from"] = .string(from) }
            return DomainEvent(
                idempotencyKey: "tier:\(id)-t\(index)", brand: owner.brand, member: owner.member, name: "tier.changed",
                properties: properties, at: change.at)
        }
        statements += DomainEventSQL.insert(events, group: owner.group, idPrefix: id + "-g", dialect: dialect)
        return (statements, changes)
    }
}
