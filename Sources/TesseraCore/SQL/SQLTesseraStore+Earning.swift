public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func dueEarnings(at date: Date, limit: Int) async throws -> [LoyaltyQueueItem] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT group_id, kind, ref FROM loyalty_queue WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                    [.int(Timestamp.micros(date)), .int(Int64(limit))]),
                map: { rows in
                    rows.compactMap { row in
                        row.text(1).flatMap(LoyaltyQueueItem.Kind.init(rawValue:)).map {
                            LoyaltyQueueItem(group: GroupID(row.text(0) ?? ""), kind: $0, ref: row.text(2) ?? "")
                        }
                    }
                }), writes: false)
    }

    public func processEarning(_ item: LoyaltyQueueItem, at date: Date) async throws -> EarningResult {
        let dialect = driver.dialect
        let id = ids.next()
        if item.kind == .merge {
            return try await driver.run(
                MergeTransferProgram(dialect: dialect, item: item, now: date, id: id), writes: true)
        }
        let program = ChainedProgram(EarningProgram(dialect: dialect, item: item, now: date, id: id)) { plan in
            ChainedProgram(
                OptionalProgram(
                    program: plan.points.map { PointsLedgerProgram(dialect: dialect, request: $0, entryID: id) })
            ) { _ in WriteProgram(statements: plan.writes, output: plan.result) }
        }
        return try await driver.run(program, writes: true)
    }

    public func postponeEarning(_ item: LoyaltyQueueItem, error: String, retryAt: Date) async throws {
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    UPDATE loyalty_queue SET due_at = ?, attempts = attempts + 1, last_error = ? \
                    WHERE group_id = ? AND kind = ? AND ref = ?
                    """,
                    [
                        .int(Timestamp.micros(retryAt)), .text(String(error.prefix(1_000))), .text(item.group.rawValue),
                        .text(item.kind.rawValue), .text(item.ref),
                    ])
            ]), writes: true)
    }

    public func earningQueueDepth(group: GroupID) async throws -> (waiting: Int, failing: Int) {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT count(*), CAST(coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) "
                        + "FROM loyalty_queue WHERE group_id = ?", [.text(group.rawValue)]),
                map: { rows in (Int(rows.first?.int(0) ?? 0), Int(rows.first?.int(1) ?? 0)) }), writes: false)
    }

    public func loyaltyStanding(group: GroupID, brand: BrandID, member: MemberID) async throws -> LoyaltyStanding {
        let key: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]
        return try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT \(GrowthLedger.columns("l")), (SELECT CAST(coalesce(sum(o.pending), 0) AS BIGINT) \
                    FROM loyalty_orders o WHERE o.group_id = ? AND o.brand_id = ? AND o.member_id = ? AND o.pending > 0) \
                    FROM (SELECT 1 AS one) AS k LEFT JOIN loyalty_members l ON l.group_id = ? AND l.brand_id = ? \
                    AND l.member_id = ?
                    """, key + key),
                map: { rows in
                    guard let row = rows.first else { return LoyaltyStanding() }
                    let pending = row.int(7) ?? 0
                    guard let ledger = GrowthLedger(row, from: 0) else {
                        return LoyaltyStanding(pendingPoints: pending)
                    }
                    var standing = LoyaltyStanding(
                        tier: ledger.tier, tierSince: ledger.since, periodGrowth: ledger.periodGrowth,
                        periodEnd: ledger.periodEnd, growth: ledger.growth, pendingPoints: pending)
                    standing.graceUntil = ledger.graceUntil
                    return standing
                }), writes: false)
    }

    public func tierHistory(group: GroupID, brand: BrandID, member: MemberID, limit: Int) async throws -> [TierChange] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT from_tier, to_tier, reason, occurred_at FROM tier_changes \
                    WHERE group_id = ? AND brand_id = ? AND member_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?
                    """,
                    [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue), .int(Int64(limit))]),
                map: { rows in
                    rows.map {
                        TierChange(
                            from: $0.text(0), to: $0.text(1) ?? "", reason: $0.text(2) ?? "",
                            at: Timestamp.date($0.int(3) ?? 0))
                    }
                }), writes: false)
    }

    public func membersDueForTierReview(at date: Date, limit: Int) async throws -> [(GroupID, BrandID, MemberID)] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT group_id, brand_id, member_id FROM loyalty_members WHERE review_at IS NOT NULL \
                    AND review_at <= ? ORDER BY review_at LIMIT ?
                    """, [.int(Timestamp.micros(date)), .int(Int64(limit))]),
                map: { rows in
                    rows.map {
                        (GroupID($0.text(0) ?? ""), BrandID($0.text(1) ?? ""), MemberID($0.text(2) ?? ""))
                    }
                }), writes: false)
    }

    public func grantGrowth(
        _ growth: Int64, group: GroupID, brand: BrandID, member: MemberID, reason: String, source: PointsSource,
        idempotencyKey: String, at date: Date
    ) async throws -> Bool {
        try await driver.run(
            GrowthGrantProgram(
                dialect: driver.dialect, group: group, brand: brand, member: member, growth: growth, reason: reason,
                source: source, key: idempotencyKey, at: date, id: ids.next()),
            writes: true)
    }

    public func reviewTier(group: GroupID, brand: BrandID, member: MemberID, at date: Date) async throws
        -> [TierChange]
    {
        try await driver.run(
            TierReviewProgram(
                dialect: driver.dialect, group: group, brand: brand, member: member, at: date, id: ids.next()),
            writes: true)
    }
}
