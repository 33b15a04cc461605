import Foundation
import TesseraDomain

/// Decides what one queued order or event earns, as a ``SQLProgram`` whose output is the plan the
/// store then carries out in the same transaction: an optional points ledger request (run by
/// ``PointsLedgerProgram``) and the statements for growth, tier, the order's credit record, the
/// daily counters and the queue.
///
/// Orders are reconciled, not replayed: the order's current state is evaluated under the rules
/// fixed when it was first credited (programme version, tier, cap share), and the ledger moves by
/// the difference from what it was credited. A refund is therefore a smaller target, a claw-back
/// of the difference; a replayed or repeated update changes nothing.
struct EarningProgram: SQLProgram {
    /// What the store carries out after this program decided.
    struct Plan: Sendable {
        var points: PointsRequest?
        var writes: [SQLStatement]
        var result: EarningResult
    }

    let dialect: SQLDialect
    let item: LoyaltyQueueItem
    let now: Date
    /// Base of every id this item writes (ledger entry, growth entry, tier changes, events).
    let id: String

    private enum Phase { case claim, source, items, program, ensure, lock, benefits, daily }
    private var phase = Phase.claim
    private var order: OrderRow?
    private var event: EventRow?
    private var items: [OrderItem] = []
    private var version = 0
    private var program = LoyaltyProgram.standard
    private var ledger: GrowthLedger?
    private var counters: [String: Int64] = [:]
    /// The member's best points-multiplier benefit now, in percent.
    private var benefitPercent: Int64 = 100
    /// A fully refunded order gives back the coupons used on it (when their template says so).
    private var restoredCoupons: [SQLStatement] = []

    init(dialect: SQLDialect, item: LoyaltyQueueItem, now: Date, id: String) {
        self.dialect = dialect
        self.item = item
        self.now = now
        self.id = id
    }

    private var g: SQLValue { .text(item.group.rawValue) }

    mutating func start() throws -> SQLStep<Plan> {
        (phase, order, event, items, ledger, counters) = (.claim, nil, nil, [], nil, [:])
        (version, program, restoredCoupons, benefitPercent) = (0, .standard, [], 100)
        return .query(LoyaltyQueueSQL.claim(item, now: now, dialect: dialect))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Plan> {
        switch phase {
        case .claim:
            guard !rows.isEmpty else {
                return .done(Plan(points: nil, writes: [], result: EarningResult(skipped: true)))
            }
            phase = .source
            switch item.kind {
            case .order:
                return .query(
                    SQLStatement(
                        """
                        SELECT o.brand_id, o.member_id, o.channel, o.store_code, o.status, o.paid_minor, o.refunded_minor, \
                        coalesce(o.paid_at, o.placed_at), o.external_id, \(OrderRow.creditColumns) FROM orders o \
                        LEFT JOIN loyalty_orders c ON c.group_id = o.group_id AND c.order_id = o.id \
                        WHERE o.group_id = ? AND o.id = ?
                        """, [g, .text(item.ref)]))
            case .event, .merge:  // merges are MergeTransferProgram's
                return .query(
                    SQLStatement(
                        "SELECT brand_id, member_id, name, channel, occurred_at FROM events WHERE group_id = ? AND id = ?",
                        [g, .text(item.ref)]))
            }
        case .source where item.kind == .order:
            guard let row = rows.first, let found = OrderRow(row) else { return .done(finished()) }
            if found.status == .refunded {
                restoredCoupons = CouponSQL.restoreOnRefund(
                    group: item.group, brand: BrandID(found.brand), orderID: found.externalID, at: now, eventID: id,
                    dialect: dialect)
            }
            // An unpaid order earns nothing yet; it is queued again when it is paid.
            guard found.credit != nil || found.status.countsAsPurchase else { return .done(finished()) }
            order = found
            phase = .items
            return .query(
                SQLStatement(
                    "SELECT sku, category, quantity, unit_price_minor FROM order_items WHERE group_id = ? "
                        + "AND order_id = ? ORDER BY line", [g, .text(item.ref)]))
        case .source:
            guard let row = rows.first, let found = EventRow(row) else { return .done(finished()) }
            event = found
            phase = .program
            return .query(programQuery)
        case .items:
            items = rows.map { row in
                OrderItem(
                    sku: row.text(0) ?? "", category: row.text(1), quantity: Int(row.int(2) ?? 0),
                    unitPriceMinor: row.int(3) ?? 0)
            }
            phase = .program
            return .query(programQuery)
        case .program:
            (version, program) = try ProgramSQL.parse(rows)
            phase = .ensure
            return .execute([GrowthLedger.ensure(group: item.group, brand: brand, member: member, at: now)])
        case .ensure:
            phase = .lock
            return .query(GrowthLedger.lock(group: item.group, brand: brand, member: member, dialect: dialect))
        case .lock:
            guard let row = rows.first, let loaded = GrowthLedger(row, from: 0) else {
                return .done(finished())  // the member is gone
            }
            ledger = loaded
            phase = .benefits
            return .query(
                SQLStatement(
                    """
                    SELECT CAST(config AS TEXT) FROM member_benefits WHERE group_id = ? AND brand_id = ? AND member_id = ? \
                    AND status = 'active' AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?)
                    """,
                    [
                        g, .text(brand.rawValue), .text(member.rawValue), .int(Timestamp.micros(now)),
                        .int(Timestamp.micros(now)),
                    ]))
        case .benefits:
            // The best points multiplier among the member's granted benefits and their tier's.
            let granted = try rows.map { try ConfigCoding.decode(Benefit.self, from: $0.text(0) ?? "{}") }
            let tiered = program.tiers?.levels.first { $0.code == ledger?.tier }?.benefits ?? []
            benefitPercent =
                (granted + tiered).filter { $0.kind == .pointsMultiplier }.compactMap(\.percent).max() ?? 100
            phase = .daily
            return .query(
                SQLStatement(
                    "SELECT counter, amount FROM loyalty_daily WHERE group_id = ? AND brand_id = ? AND member_id = ? AND day = ?",
                    [g, .text(brand.rawValue), .text(member.rawValue), .text(day)]))
        case .daily:
            for row in rows { counters[row.text(0) ?? ""] = row.int(1) ?? 0 }
            return .done(try item.kind == .order ? planOrder() : planEvent())
        }
    }

    private var programQuery: SQLStatement {
        ProgramSQL.select(group: item.group, brand: brand, version: order?.credit?.version)
    }

    private var brand: BrandID { BrandID(order?.brand ?? event?.brand ?? "") }
    private var member: MemberID { MemberID(order?.credit?.member ?? order?.member ?? event?.member ?? "") }
    private var day: String {
        order?.credit?.day ?? program.localDay(of: order?.paidAt ?? event?.occurredAt ?? now)
    }

    // MARK: - Decisions

    private func planOrder() throws -> Plan {
        guard let order, var ledger else { return finished() }
        let credit =
            order.credit
            ?? Credit(
                member: member.rawValue, version: version, tier: ledger.tier, limit: capShare(order: true), day: day,
                points: 0, growth: 0, pending: 0, revision: 0, benefitPercent: benefitPercent)
        let earning = Earning.evaluate(
            program, status: order.status, channel: order.channel, store: order.store, paidMinor: order.paid,
            refundedMinor: order.refunded, items: items, paidAt: order.paidAt,
            context: EarningContext(tier: credit.tier, limit: credit.limit, benefitPercent: credit.benefitPercent))
        let releaseAt =
            program.earn.holdingDays > 0
            ? program.calendar.date(byAdding: .day, value: program.earn.holdingDays, to: order.paidAt) : nil
        let held = releaseAt.map { $0 > now } ?? false
        let credited = held ? credit.points : earning.points
        let pending = held ? earning.points : 0
        let pointsDelta = credited - credit.points
        let growthDelta = earning.growth - credit.growth
        if order.credit != nil, pointsDelta == 0, growthDelta == 0, pending == credit.pending, !held {
            return finished()
        }
        let revision = credit.revision + 1
        let key = "order:\(item.ref)#\(revision)"
        let source = PointsSource(type: "order", id: item.ref)
        let reason =
            pointsDelta < 0 || growthDelta < 0 ? "order \(order.externalID) refunded" : "order \(order.externalID) paid"
        var writes = restoredCoupons
        let growth = ledger.apply(
            growthDelta, program: program, at: now, reason: reason, source: source, key: key, id: id,
            owner: (item.group, brand, member), dialect: dialect)
        writes += growth.statements
        writes.append(
            SQLStatement(
                """
                INSERT INTO loyalty_orders (group_id, order_id, brand_id, member_id, program_version, tier, points_limit, \
                day, points, growth, pending, release_at, revision, updated_at, benefit_percent) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                ON CONFLICT (group_id, order_id) DO UPDATE SET points = excluded.points, growth = excluded.growth, \
                pending = excluded.pending, release_at = excluded.release_at, revision = excluded.revision, \
                updated_at = excluded.updated_at
                """,
                [
                    g, .text(item.ref), .text(brand.rawValue), .text(member.rawValue), .int(Int64(credit.version)),
                    .optional(credit.tier), .optional(credit.limit), .text(credit.day), .int(credited),
                    .int(earning.growth), .int(pending), .optional(releaseAt.map(Timestamp.micros)), .int(revision),
                    .int(Timestamp.micros(now)), .int(credit.benefitPercent),
                ]))
        writes += counter("points", by: earning.points - (credit.points + credit.pending))
        if held, let releaseAt {
            writes.append(LoyaltyQueueSQL.reschedule(item, at: releaseAt))
        } else {
            writes.append(dequeue)
        }
        let request = try pointsRequest(pointsDelta, reason: reason, source: source, key: key)
        return Plan(
            points: request, writes: writes,
            result: EarningResult(
                points: pointsDelta, growth: growthDelta, pending: pending, tierChanges: growth.changes,
                deferredUntil: held ? releaseAt : nil))
    }

    private func planEvent() throws -> Plan {
        guard let event, var ledger else { return finished() }
        guard
            let earning = Earning.evaluate(
                program, event: event.name, channel: event.channel, at: event.occurredAt, tier: ledger.tier,
                benefitPercent: benefitPercent)
        else { return finished() }
        // Each rule's daily limit is checked against how often the event already earned today.
        let done = counters["event:" + event.name] ?? 0
        func withinDailyLimit(_ rule: EventRule?) -> Bool { rule?.perDay.map { done < Int64($0) } ?? true }
        var points = withinDailyLimit(program.earn.rates.rule(forEvent: event.name)) ? earning.points : 0
        points = min(points, capShare(order: false) ?? points)
        let growthDelta = withinDailyLimit(program.growth.rule(forEvent: event.name)) ? earning.growth : 0
        let key = "event:\(item.ref)"
        let source = PointsSource(type: "event", id: item.ref)
        let reason = "event \(event.name)"
        let growth = ledger.apply(
            growthDelta, program: program, at: now, reason: reason, source: source, key: key, id: id,
            owner: (item.group, brand, member), dialect: dialect)
        let writes =
            growth.statements + counter("event:" + event.name, by: 1) + counter("points", by: points) + [dequeue]
        return Plan(
            points: try pointsRequest(points, reason: reason, source: source, key: key), writes: writes,
            result: EarningResult(points: points, growth: growthDelta, tierChanges: growth.changes))
    }

    /// The most an order (or event) may still earn under the caps: the per-order cap and what is
    /// left of the per-day cap; `nil` when neither is configured.
    private func capShare(order: Bool) -> Int64? {
        let rules = program.earn
        let leftToday = rules.perDayCap.map { max(0, $0 - (counters["points"] ?? 0)) }
        let orderCap = order ? rules.perOrderCap : nil
        switch (orderCap, leftToday) {
        case (nil, nil): return nil
        case (let cap?, nil): return cap
        case (nil, let left?): return left
        case (let cap?, let left?): return min(cap, left)
        }
    }

    private func pointsRequest(_ delta: Int64, reason: String, source: PointsSource, key: String) throws
        -> PointsRequest?
    {
        guard delta != 0 else { return nil }
        let operation: PointsOperation
        if delta > 0 {
            operation = .credit(delta, kind: .earn, expiresAt: try program.pointsExpiry(earnedAt: now))
        } else {
            operation = .clawBack(-delta)
        }
        return PointsRequest(
            group: item.group, brand: brand, member: member, operation: operation, reason: reason, source: source,
            idempotencyKey: key, at: now)
    }

    private func counter(_ name: String, by amount: Int64) -> [SQLStatement] {
        guard amount != 0 else { return [] }
        return [
            SQLStatement(
                """
                INSERT INTO loyalty_daily (group_id, brand_id, member_id, day, counter, amount) VALUES (?, ?, ?, ?, ?, ?) \
                ON CONFLICT (group_id, brand_id, member_id, day, counter) DO UPDATE SET amount = loyalty_daily.amount + excluded.amount
                """, [g, .text(brand.rawValue), .text(member.rawValue), .text(day), .text(name), .int(amount)])
        ]
    }

    private var dequeue: SQLStatement { LoyaltyQueueSQL.dequeue(item) }

    /// Nothing (more) to earn: the item leaves the queue.
    private func finished() -> Plan { Plan(points: nil, writes: restoredCoupons + [dequeue], result: EarningResult()) }

    // MARK: - Rows

    /// What an order was credited and under which rules.
    struct Credit: Sendable {
        var member: String
        var version: Int
        var tier: String?
        var limit: Int64?
        var day: String
        var points: Int64
        var growth: Int64
        var pending: Int64
        var revision: Int64
        var benefitPercent: Int64
    }

    struct OrderRow: Sendable {
        var brand: String
        var member: String
        var channel: String
        var store: String?
        var status: OrderStatus
        var paid: Int64
        var refunded: Int64
        var paidAt: Date
        var externalID: String
        var credit: Credit?

        static let creditColumns =
            "c.member_id, c.program_version, c.tier, c.points_limit, c.day, c.points, c.growth, c.pending, c.revision, "
            + "c.benefit_percent"

        /// `nil` for an order without a member (nobody to credit).
        init?(_ row: SQLRow) {
            guard let brand = row.text(0), let member = row.text(1),
                let status = row.text(4).flatMap(OrderStatus.init(rawValue:))
            else { return nil }
            self.brand = brand
            self.member = member
            channel = row.text(2) ?? ""
            store = row.text(3)
            self.status = status
            paid = row.int(5) ?? 0
            refunded = row.int(6) ?? 0
            paidAt = Timestamp.date(row.int(7) ?? 0)
            externalID = row.text(8) ?? ""
            credit = row.text(9).map { creditedMember in
                Credit(
                    member: creditedMember, version: Int(row.int(10) ?? 0), tier: row.text(11), limit: row.int(12),
                    day: row.text(13) ?? "", points: row.int(14) ?? 0, growth: row.int(15) ?? 0,
                    pending: row.int(16) ?? 0, revision: row.int(17) ?? 0, benefitPercent: row.int(18) ?? 100)
            }
        }
    }

    struct EventRow: Sendable {
        var brand: String
        var member: String
        var name: String
        var channel: String
        var occurredAt: Date

        /// `nil` for an event without brand, member or name (nothing can earn).
        init?(_ row: SQLRow) {
            guard let brand = row.text(0), let member = row.text(1), let name = row.text(2) else { return nil }
            (self.brand, self.member, self.name) = (brand, member, name)
            channel = row.text(3) ?? ""
            occurredAt = Timestamp.date(row.int(4) ?? 0)
        }
    }
}
