import Foundation
import TesseraDomain

/// Moves a merged member's points, growth value and tier in one brand to the member they were
/// merged into (queued by the merge, `ref` = `<merged>/<brand>`), in one transaction:
///
/// - points: every lot arrives with its earning time and expiry, debt moves too
///   (``PointsAccount/absorb(_:id:reason:source:idempotencyKey:at:)``), `transfer` entries on both;
/// - growth: the merged member's period growth counts towards the survivor's tier at once, the
///   rest of their lifetime growth is added; the survivor keeps the higher tier of the two;
/// - the orders the merged member was credited for are now the survivor's, so refunds claw back
///   from the right account.
///
/// Locks `loyalty_members` rows before `points_accounts` rows (the earning program's order), each
/// pair in member-id order, so it cannot deadlock with them.
struct MergeTransferProgram: SQLProgram {
    let dialect: SQLDialect
    let item: LoyaltyQueueItem
    let now: Date
    let id: String

    private enum Phase { case claim, survivor, ensure, growth, accounts, lots, program, written }
    private var phase = Phase.claim
    private var survivor = MemberID("")
    private var ledgers: [String: GrowthLedger] = [:]
    private var debts: [String: Int64] = [:]
    private var lots: [String: [PointsLot]] = [:]
    private var result = EarningResult()

    init(dialect: SQLDialect, item: LoyaltyQueueItem, now: Date, id: String) {
        (self.dialect, self.item, self.now, self.id) = (dialect, item, now, id)
    }

    private var merged: MemberID { MemberID(String(item.ref.split(separator: "/").first ?? "")) }
    private var brand: BrandID { BrandID(String(item.ref.split(separator: "/").dropFirst().first ?? "")) }
    private var g: SQLValue { .text(item.group.rawValue) }
    private var pair: [SQLValue] { [g, .text(brand.rawValue), .text(merged.rawValue), .text(survivor.rawValue)] }
    private var lock: String { dialect == .postgres ? " FOR UPDATE" : "" }

    mutating func start() throws -> SQLStep<EarningResult> {
        (phase, survivor, ledgers, debts, lots, result) = (.claim, MemberID(""), [:], [:], [:], EarningResult())
        return .query(LoyaltyQueueSQL.claim(item, now: now, dialect: dialect))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<EarningResult> {
        switch phase {
        case .claim:
            guard !rows.isEmpty else { return .done(EarningResult(skipped: true)) }
            phase = .survivor
            return .query(
                SQLStatement(
                    "SELECT merged_into FROM members WHERE group_id = ? AND id = ?", [g, .text(merged.rawValue)]))
        case .survivor:
            // Unmerged meanwhile, or never merged: nothing to move.
            guard let into = rows.first?.text(0) else {
                phase = .written
                return .execute([LoyaltyQueueSQL.dequeue(item)])
            }
            survivor = MemberID(into)
            phase = .ensure
            return .execute(
                [GrowthLedger.ensure(group: item.group, brand: brand, member: survivor, at: now)]
                    + [merged, survivor].map {
                        AccountRowSQL.points.ensure(group: item.group, brand: brand, member: $0, at: now)
                    })
        case .ensure:
            phase = .growth
            return .query(
                SQLStatement(
                    "SELECT l.member_id, \(GrowthLedger.columns("l")) FROM loyalty_members l WHERE l.group_id = ? "
                        + "AND l.brand_id = ? AND l.member_id IN (?, ?) ORDER BY l.member_id" + lock, pair))
        case .growth:
            for row in rows {
                if let member = row.text(0), let ledger = GrowthLedger(row, from: 1) { ledgers[member] = ledger }
            }
            phase = .accounts
            return .query(
                SQLStatement(
                    "SELECT member_id, debt FROM points_accounts WHERE group_id = ? AND brand_id = ? "
                        + "AND member_id IN (?, ?) ORDER BY member_id" + lock, pair))
        case .accounts:
            for row in rows { debts[row.text(0) ?? ""] = row.int(1) ?? 0 }
            phase = .lots
            return .query(
                SQLStatement(
                    "SELECT \(PointsLedgerProgram.lotColumns()), member_id FROM points_lots WHERE group_id = ? "
                        + "AND brand_id = ? AND member_id IN (?, ?) AND remaining > 0", pair))
        case .lots:
            for row in rows {
                if let lot = PointsLedgerProgram.lot(row) { lots[row.text(5) ?? "", default: []].append(lot) }
            }
            phase = .program
            return .query(ProgramSQL.select(group: item.group, brand: brand))
        case .program:
            phase = .written
            return .execute(transfer(program: try ProgramSQL.parse(rows).program))
        case .written:
            return .done(result)
        }
    }

    private mutating func transfer(program: LoyaltyProgram) -> [SQLStatement] {
        let (m, s) = (merged.rawValue, survivor.rawValue)
        let source = PointsSource(type: "system", id: merged.rawValue)
        let reason = "merged member \(m) into \(s)"
        var from = PointsAccount(lots: lots[m] ?? [], debt: debts[m] ?? 0)
        var into = PointsAccount(lots: lots[s] ?? [], debt: debts[s] ?? 0)
        let entries = into.absorb(
            &from, id: id, reason: reason, source: source, idempotencyKey: "merge:\(item.ref)", at: now)
        var statements = PointsLedgerProgram.writes(
            [
                .init(entries.out, account: from, owner: (item.group, brand, merged), at: now, eventIDs: id + "-o"),
                .init(entries.in, account: into, owner: (item.group, brand, survivor), at: now, eventIDs: id + "-i"),
            ], dialect: dialect)
        result.points = entries.in.reduce(0) { $0 + $1.points }

        if let gone = ledgers[m], var kept = ledgers[s] {
            // The merged member's current-period growth counts towards the survivor's tier at once,
            // earlier growth towards the lifetime total; the survivor keeps the higher tier.
            let applied = kept.apply(
                gone.periodGrowth, earlier: gone.growth - gone.periodGrowth, keepingAtLeast: gone.tier,
                program: program, at: now, reason: reason, source: source, key: "merge:\(item.ref)", id: id + "-g",
                owner: (item.group, brand, survivor), dialect: dialect)
            statements += applied.statements
            // The merged member's growth ledger is closed with one entry taking it all out.
            if gone.growth != 0 {
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO growth_entries (group_id, id, brand_id, member_id, growth, reason, source_type, \
                        source_id, idempotency_key, occurred_at) VALUES (?, ?, ?, ?, ?, ?, 'system', ?, ?, ?)
                        """,
                        [
                            g, .text(id + "-go"), .text(brand.rawValue), .text(m), .int(-gone.growth), .text(reason),
                            .text(m), .text("merge:\(item.ref)-out"), .int(Timestamp.micros(now)),
                        ]))
            }
            statements += [
                SQLStatement(
                    "DELETE FROM loyalty_members WHERE group_id = ? AND brand_id = ? AND member_id = ?",
                    [g, .text(brand.rawValue), .text(m)])
            ]
            result.growth = gone.growth
            result.tierChanges = applied.changes
        }
        statements.append(
            SQLStatement(
                "UPDATE loyalty_orders SET member_id = ? WHERE group_id = ? AND brand_id = ? AND member_id = ?",
                [.text(s), g, .text(brand.rawValue), .text(m)]))
        statements.append(LoyaltyQueueSQL.dequeue(item))
        return statements
    }
}
