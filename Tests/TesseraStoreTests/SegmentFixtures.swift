import Foundation
import TesseraCore
import TesseraDomain

/// Random members and random rules over small value domains, so that every condition is sometimes
/// true and sometimes false, and times often sit exactly on window boundaries.
struct SegmentFixtures {
    var random: SeededRandom
    let context: EvaluationContext
    static let day: Int64 = 86_400_000_000

    init(seed: UInt64, context: EvaluationContext) {
        random = SeededRandom(seed: seed)
        self.context = context
    }

    // MARK: Choices

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &random) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    /// `value` (drawn whether kept or not) with the given chance, else `nil`.
    mutating func maybe<T>(_ value: T, _ percent: Int = 50) -> T? { chance(percent) ? value : nil }

    static let texts: [MemberField: [String]] = [
        .gender: ["f", "m"], .city: ["Shanghai", "Beijing", "Hangzhou", "Zhōngshān \"中山\"\\ 😀\n"],
        .region: ["east", "north"],
        .sourceChannel: ["wechat", "web", "pos"], .homeStore: ["S1", "S2"], .guide: ["G1", "G2"],
        .kind: CustomerKind.allCases.map(\.rawValue), .tier: ["silver", "gold"],
        .followStatus: FollowStatus.allCases.map(\.rawValue),
    ]
    static let eventNames = ["view", "cart", "share"]
    static let channels = ["web", "wechat"]
    static let categories = ["milk", "diaper", "toy"]
    static let tags = ["vip", "new", "lapsed"]
    static let scores = ["engagement", "service"]

    /// A time near `now`, a third of the time exactly on (or one microsecond off) a day boundary.
    mutating func time() -> Int64 {
        if chance(33) {
            let edge = TimeWindow.lastDays(int(1...40)).bounds(in: context).from ?? context.now
            return edge + pick([-1, 0, 1])
        }
        return context.now + int64((-120 * Self.day)...(10 * Self.day))
    }

    mutating func window() -> TimeWindow {
        if chance(70) { return .lastDays(pick([1, 2, 7, 30, 90])) }
        let from = maybe(time(), 80)
        let to = maybe(time(), 60)
        if let from, let to { return .between(from: min(from, to), to: max(from, to) + 1) }
        return .between(from: from ?? (to == nil ? time() : nil), to: to)
    }

    // MARK: Members

    mutating func facts(id: String) -> MemberFacts {
        var facts = MemberFacts(id: id)
        // In a fixed order: a dictionary's order changes from process to process, and with it the fixture.
        for (field, values) in Self.texts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where chance(70) {
            facts.texts[field] = pick(values)
        }
        facts.texts[.kind] = pick(Self.texts[.kind] ?? ["member"])
        if facts.texts[.followStatus] != nil { facts.times[.followChangedAt] = time() }
        facts.registered = chance(50)
        for field in [MemberField.joinedAt, .firstOrderAt, .lastOrderAt, .firstSeenAt, .lastSeenAt] where chance(70) {
            facts.times[field] = time()
        }
        facts.orderCount = int64(0...5)
        facts.totalSpend = int64(0...90_000)
        facts.eventCount = int64(0...30)
        facts.points = pick([0, 0, int64(1...2_000)])
        facts.growth = pick([0, int64(1...5_000)])
        facts.storedValue = pick([0, int64(1...50_000)])
        if chance(70) {
            facts.birthday =
                chance(10) ? "2000-02-29" : "1990-\(pick(["11", "12", "01"]))-\(String(format: "%02d", int(1...30)))"
        }
        if chance(70) {
            facts.attributes["skin"] = pick([.string("dry"), .string("oily"), .number(3), .bool(true), .null])
        }
        if chance(70) {
            facts.attributes["age"] = pick([
                .number(25), .number(Decimal(string: "30.5") ?? 30), .number(41), .string("30"),
            ])
        }
        if chance(50) { facts.attributes["vip"] = .bool(chance(50)) }
        facts.tags = Set(Self.tags.filter { _ in chance(30) })
        facts.segments = Set(["s1", "s2"].filter { _ in chance(40) })
        for score in Self.scores where chance(60) { facts.scores[score] = pick([-5, 1, 20, 50, 99]) }
        if chance(60) { facts.stages["aipl"] = pick(["aware", "interest", "purchase"]) }
        if chance(40) { facts.stages["life"] = pick(["new", "active"]) }
        facts.rfmGroup = maybe(pick([RFMGroup.champions, .atRisk, .hibernating]), 50)
        facts.events = (0..<int(0...8)).map { _ in
            var properties: [String: JSONValue] = [:]
            if chance(60) { properties["page"] = pick([.string("a"), .string("b \"β\"\t"), .number(1)]) }
            return EventFact(
                name: pick(Self.eventNames), channel: pick(Self.channels), occurredAt: time(), properties: properties)
        }
        facts.orders = (0..<int(0...4)).map { _ in
            let status = pick(OrderStatus.allCases)
            let paid = int64(0...30_000)
            return OrderFact(
                status: status, channel: pick(Self.channels), store: maybe(pick(["S1", "S2"])), paidMinor: paid,
                refundedMinor: status == .partiallyRefunded ? int64(0...paid) : 0, placedAt: time(),
                paidAt: status == .placed ? nil : maybe(time(), 80),
                items: (0..<int(0...3)).map { _ in
                    OrderItemFact(
                        sku: pick(["sku1", "sku2", "sku3"]), product: maybe(pick(["p1", "p2"])),
                        category: maybe(pick(Self.categories), 80), brand: maybe(pick(["acme", "zen"])),
                        quantity: int64(1...3), unitPriceMinor: int64(100...9_900))
                })
        }
        facts.lots = (0..<int(0...3)).map { _ in
            LotFact(
                expiresAt: maybe(context.now + int64((-5 * Self.day)...(70 * Self.day)), 80), remaining: int64(1...300))
        }
        facts.coupons = (0..<int(0...3)).map { _ in
            let from = time()
            return CouponFact(
                status: pick(["issued", "issued", "redeemed", "expired"]), validFrom: from,
                validUntil: from + int64(1...(60 * Self.day)))
        }
        facts.cart = (0..<pick([0, 0, int(1...3)])).map { line in
            let updated = time()
            return CartLineFact(
                sku: "sku\(line)", quantity: int64(1...4), unitPriceMinor: int64(100...9_900),
                addedAt: updated - int64(0...Self.day), updatedAt: updated)
        }
        return facts
    }

    // MARK: Rules

    mutating func rule(depth: Int = 0) -> SegmentRule {
        if depth < 3 && chance(35) {
            switch int(0...2) {
            case 0: return .and((0..<int(0...3)).map { _ in rule(depth: depth + 1) })
            case 1: return .or((0..<int(0...3)).map { _ in rule(depth: depth + 1) })
            default: return .not(rule(depth: depth + 1))
            }
        }
        switch int(0...9) {
        case 0, 1: return .compare(fieldComparison())
        case 2: return .compare(attributeComparison())
        case 3: return .event(EventCondition(matcher(), window: maybe(window(), 70), count: numberTest(0...3)))
        case 4: return .purchase(purchase())
        case 5:
            return .sequence(
                SequenceCondition(
                    first: matcher(), then: matcher(), seconds: pick([3_600, 86_400, 7 * 86_400]),
                    thenHappened: chance(50), window: maybe(window())))
        case 6: return chance(50) ? .tag(pick(Self.tags + ["unknown"])) : .segment(pick(["s1", "s2", "s3"]))
        case 9:
            switch int(0...2) {
            case 0: return .score(pick(Self.scores + ["unknown"]), numberTest(-10...100))
            case 1:
                return .lifecycle(
                    model: pick(["aipl", "life", "unknown"]), stage: pick(["aware", "interest", "purchase", "new"]))
            default: return .rfm(pick([.champions, .atRisk, .hibernating, .loyal]))
            }
        case 7: return .birthday(days: int(1...45))
        case 8: return .pointsExpiring(days: int(1...60), numberTest(0...400))
        default: return .compare(fieldComparison())
        }
    }

    mutating func numberTest(_ range: ClosedRange<Int64>) -> NumberTest {
        NumberTest(pick(ComparisonOperator.allCases), int64(range))
    }

    mutating func matcher() -> EventMatcher {
        EventMatcher(
            name: pick(Self.eventNames), properties: chance(30) ? ["page": pick(["a", "b \"β\"\t", "1"])] : [:],
            channel: maybe(pick(Self.channels), 30))
    }

    mutating func purchase() -> PurchaseCondition {
        var condition = PurchaseCondition(
            category: maybe(pick(Self.categories), 40), sku: maybe(pick(["sku1", "sku2"]), 15),
            product: maybe("p1", 10), productBrand: maybe("acme", 10), channel: maybe(pick(Self.channels), 30),
            store: maybe("S1", 20), window: maybe(window(), 60))
        condition.measure = chance(60) ? .count(numberTest(0...3)) : .amount(numberTest(0...40_000))
        return condition
    }

    mutating func fieldComparison() -> FieldComparison {
        let field = pick(MemberField.allCases)
        if chance(10) { return FieldComparison(.field(field), chance(50) ? .exists : .missing) }
        switch field.valueType {
        case .text:
            let values = Self.texts[field] ?? ["x"]
            let chosen = (0..<int(1...2)).map { _ in pick(values + ["other"]) }
            return FieldComparison(.field(field), chance(50) ? .textIn(chosen) : .textNotIn(chosen))
        case .bool: return FieldComparison(.field(field), .bool(chance(50)))
        case .time: return FieldComparison(.field(field), chance(70) ? .within(window()) : .before(window()))
        case .number:
            let limit: Int64 =
                [.totalSpend, .averageOrderValue, .storedValue, .cartValue].contains(field) ? 60_000 : 2_500
            let scale: Int64 =
                [.orderCount, .eventCount, .couponsHeld, .repurchaseCycleDays, .cartQuantity].contains(field)
                ? 30 : limit
            if chance(20) {
                let low = int64(0...scale)
                return FieldComparison(.field(field), .numberBetween(low, low + int64(0...scale)))
            }
            return FieldComparison(.field(field), .number(numberTest(0...scale)))
        }
    }

    mutating func attributeComparison() -> FieldComparison {
        let name = pick(["skin", "age", "vip", "absent"])
        switch int(0...4) {
        case 0: return FieldComparison(.attribute(name), chance(50) ? .exists : .missing)
        case 1: return FieldComparison(.attribute(name), .textIn([pick(["dry", "oily", "30"])]))
        case 2: return FieldComparison(.attribute(name), .textNotIn([pick(["dry", "oily"])]))
        case 3: return FieldComparison(.attribute(name), .bool(chance(50)))
        default:
            return chance(20)
                ? FieldComparison(.attribute(name), .numberBetween(3, int64(3...45)))
                : FieldComparison(.attribute(name), .number(numberTest(0...45)))
        }
    }
}

/// Writes generated ``MemberFacts`` as stored rows, bypassing the services: the differential test
/// checks the evaluators, not the write paths.
enum SegmentFixtureWriter {
    static func write(
        _ facts: MemberFacts, group: GroupID, brand: BrandID, inBrand: Bool, mergedInto: String?,
        store: SQLTesseraStore
    ) async throws {
        let g = SQLValue.text(group.rawValue)
        let b = SQLValue.text(brand.rawValue)
        let m = SQLValue.text(facts.id)
        var statements = [
            SQLStatement(
                """
                INSERT INTO members (group_id, id, sample, status, merged_into, registered, kind, gender, birthday, \
                region, city, source_channel, home_store, guide, joined_at, attributes, event_count, first_seen_at, \
                last_seen_at, order_count, first_order_at, last_order_at, total_spend_minor, created_at, updated_at) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, 0, 0)
                """,
                [
                    g, m, .int(SegmentEstimate.bucket(of: MemberID(facts.id))),
                    .text(mergedInto == nil ? "active" : "merged"), .optional(mergedInto),
                    .bool(facts.registered),
                    .text(facts.texts[.kind] ?? "member"), .optional(facts.texts[.gender]), .optional(facts.birthday),
                    .optional(facts.texts[.region]), .optional(facts.texts[.city]),
                    .optional(facts.texts[.sourceChannel]),
                    .optional(facts.texts[.homeStore]), .optional(facts.texts[.guide]),
                    .optional(facts.times[.joinedAt]),
                    .text(JSONValue.object(facts.attributes).jsonText), .int(facts.eventCount),
                    .optional(facts.times[.firstSeenAt]), .optional(facts.times[.lastSeenAt]), .int(facts.orderCount),
                    .optional(facts.times[.firstOrderAt]), .optional(facts.times[.lastOrderAt]), .int(facts.totalSpend),
                ])
        ]
        if inBrand {
            statements.append(
                SQLStatement(
                    "INSERT INTO member_brands (group_id, member_id, brand_id, joined_at) VALUES (?, ?, ?, 0)",
                    [g, m, b]))
        }
        if facts.texts[.tier] != nil || facts.growth != 0 {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO loyalty_members (group_id, brand_id, member_id, tier, growth, anchor, updated_at) \
                    VALUES (?, ?, ?, ?, ?, 0, 0)
                    """, [g, b, m, .optional(facts.texts[.tier]), .int(facts.growth)]))
        }
        if facts.points != 0 || !facts.lots.isEmpty {
            statements.append(
                SQLStatement(
                    "INSERT INTO points_accounts (group_id, brand_id, member_id, balance, debt, updated_at) VALUES (?, ?, ?, ?, 0, 0)",
                    [g, b, m, .int(facts.points)]))
        }
        if facts.storedValue != 0 {
            let bonus = facts.storedValue / 3
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO stored_value_accounts (group_id, brand_id, member_id, principal, bonus, updated_at) \
                    VALUES (?, ?, ?, ?, ?, 0)
                    """, [g, b, m, .int(facts.storedValue - bonus), .int(bonus)]))
        }
        for tag in facts.tags.sorted() {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                    VALUES (?, ?, ?, ?, 'manual', 'test', 0)
                    """, [g, b, m, .text(tag)]))
        }
        for segment in facts.segments.sorted() {
            statements.append(
                SQLStatement(
                    "INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) VALUES (?, ?, ?, 0)",
                    [g, .text(segment), m]))
        }
        for (score, value) in facts.scores.sorted(by: { $0.key < $1.key }) {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO member_scores (group_id, brand_id, member_id, score, value, updated_at) \
                    VALUES (?, ?, ?, ?, ?, 0)
                    """, [g, b, m, .text(score), .int(value)]))
        }
        for (model, stage) in facts.stages.sorted(by: { $0.key < $1.key }) {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO member_stages (group_id, brand_id, member_id, model, stage, since) \
                    VALUES (?, ?, ?, ?, ?, 0)
                    """, [g, b, m, .text(model), .text(stage)]))
        }
        if let group = facts.rfmGroup {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO rfm_scores (group_id, brand_id, member_id, frequency, recency_days, age_days, \
                    repeat_sum_minor, total_minor, r, f, m, rfm_group, computed_at) \
                    VALUES (?, ?, ?, 0, 0, 0, 0, 0, 1, 1, 1, ?, 0)
                    """, [g, b, m, .text(group.rawValue)]))
        }
        for (index, event) in facts.events.enumerated() {
            let id = SQLValue.text("\(facts.id)-e\(index)")
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO events (group_id, id, idempotency_key, member_id, brand_id, kind, name, channel, \
                    occurred_at, received_at, properties) VALUES (?, ?, ?, ?, ?, 'track', ?, ?, ?, 0, ?::jsonb)
                    """,
                    [
                        g, id, id, m, b, .text(event.name), .text(event.channel), .int(event.occurredAt),
                        .text(JSONValue.object(event.properties).jsonText),
                    ]))
        }
        for (index, order) in facts.orders.enumerated() {
            let id = SQLValue.text("\(facts.id)-o\(index)")
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO orders (group_id, id, brand_id, external_id, member_id, channel, store_code, status, \
                    currency, total_minor, discount_minor, paid_minor, refunded_minor, placed_at, paid_at, updated_at) \
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'CNY', ?, 0, ?, ?, ?, ?, 0)
                    """,
                    [
                        g, id, b, id, m, .text(order.channel), .optional(order.store), .text(order.status.rawValue),
                        .int(order.paidMinor), .int(order.paidMinor), .int(order.refundedMinor), .int(order.placedAt),
                        .optional(order.paidAt),
                    ]))
            for (line, item) in order.items.enumerated() {
                statements.append(
                    SQLStatement(
                        """
                        INSERT INTO order_items (group_id, order_id, line, sku, product_id, category, brand, quantity, \
                        unit_price_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            g, id, .int(Int64(line)), .text(item.sku), .optional(item.product),
                            .optional(item.category),
                            .optional(item.brand), .int(item.quantity), .int(item.unitPriceMinor),
                        ]))
            }
        }
        for (index, lot) in facts.lots.enumerated() {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO points_lots (group_id, id, brand_id, member_id, earned_at, expires_at, amount, remaining) \
                    VALUES (?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                    [
                        g, .text("\(facts.id)-l\(index)"), b, m, .optional(lot.expiresAt), .int(lot.remaining + 5),
                        .int(lot.remaining),
                    ]))
        }
        for (index, coupon) in facts.coupons.enumerated() {
            let id = SQLValue.text("\(facts.id)-c\(index)")
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO coupons (group_id, id, brand_id, template_id, member_id, code, status, issued_at, \
                    valid_from, valid_until, restore_on_refund, issue_key, updated_at) \
                    VALUES (?, ?, ?, 't', ?, ?, ?, 0, ?, ?, 0, ?, 0)
                    """,
                    [
                        g, id, b, m, id, .text(coupon.status), .int(coupon.validFrom), .int(coupon.validUntil), id,
                    ]))
        }
        if let status = facts.texts[.followStatus] {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO member_follows (group_id, member_id, brand_id, status, changed_at) \
                    VALUES (?, ?, ?, ?, ?)
                    """, [g, m, b, .text(status), .int(facts.times[.followChangedAt] ?? 0)]))
        }
        for line in facts.cart {
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO cart_items (group_id, member_id, brand_id, sku, quantity, unit_price_minor, currency, \
                    added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'CNY', ?, ?)
                    """,
                    [
                        g, m, b, .text(line.sku), .int(line.quantity), .int(line.unitPriceMinor),
                        .int(line.addedAt), .int(line.updatedAt),
                    ]))
        }
        statements += PurchaseFactsSQL.refresh(group: group, member: MemberID(facts.id))
        try await store.driver.run(ExecuteProgram(statements), writes: true)
    }
}
