public import Foundation
public import TesseraDomain

/// Loads one member's ``MemberFacts`` for a brand: what the in-memory evaluator needs, read in one
/// transaction. Only the tables a rule looks at are read (``SegmentRule/needs``).
enum MemberFactsSQL {
    static func program(group: GroupID, brand: BrandID, member: MemberID, needs: SegmentRule.Needs)
        -> QueriesProgram<MemberFacts?>
    {
        let (g, b, m) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(member.rawValue))
        let owned = "x.group_id = ? AND x.brand_id = ? AND x.member_id = ?"
        var statements = [
            SQLStatement(
                """
                SELECT gender, city, region, source_channel, home_store, guide, kind, registered, joined_at, order_count, \
                total_spend_minor, first_order_at, last_order_at, event_count, first_seen_at, last_seen_at, birthday, \
                CAST(attributes AS TEXT), \
                (SELECT x.tier FROM loyalty_members x WHERE \(owned)), \
                COALESCE((SELECT x.growth FROM loyalty_members x WHERE \(owned)), 0), \
                COALESCE((SELECT x.balance FROM points_accounts x WHERE \(owned)), 0), \
                COALESCE((SELECT x.principal + x.bonus FROM stored_value_accounts x WHERE \(owned)), 0), \
                EXISTS (SELECT 1 FROM member_brands x WHERE x.group_id = ? AND x.brand_id = ? AND x.member_id = ?) \
                FROM members WHERE group_id = ? AND id = ? AND merged_into IS NULL
                """, [g, b, m, g, b, m, g, b, m, g, b, m, g, b, m, g, m])
        ]
        let kinds: [(Bool, SQLStatement)] = [
            (needs.tags, SQLStatement("SELECT x.tag FROM member_tags x WHERE \(owned)", [g, b, m])),
            (
                needs.segments,
                SQLStatement("SELECT segment_id FROM segment_members WHERE group_id = ? AND member_id = ?", [g, m])
            ),
            (
                needs.events,
                SQLStatement(
                    "SELECT name, channel, occurred_at, CAST(properties AS TEXT) FROM events "
                        + "WHERE group_id = ? AND member_id = ? AND brand_id = ? AND name IS NOT NULL", [g, m, b])
            ),
            (
                needs.orders,
                SQLStatement(
                    """
                    SELECT o.id, o.status, o.channel, o.store_code, o.paid_minor, o.refunded_minor, o.placed_at, o.paid_at, \
                    i.sku, i.product_id, i.category, i.brand, i.quantity, i.unit_price_minor FROM orders o \
                    LEFT JOIN order_items i ON i.group_id = o.group_id AND i.order_id = o.id \
                    WHERE o.group_id = ? AND o.member_id = ? AND o.brand_id = ? ORDER BY o.id, i.line
                    """, [g, m, b])
            ),
            (
                needs.lots,
                SQLStatement(
                    "SELECT x.expires_at, x.remaining FROM points_lots x WHERE \(owned) AND x.remaining > 0", [g, b, m])
            ),
            (
                needs.coupons,
                SQLStatement("SELECT x.status, x.valid_from, x.valid_until FROM coupons x WHERE \(owned)", [g, b, m])
            ),
        ]
        statements += kinds.filter(\.0).map(\.1)
        return QueriesProgram(statements) { results in
            guard let row = results[0].first else { return nil }
            var facts = MemberFacts(id: member.rawValue)
            for (index, field) in [
                MemberField.gender, .city, .region, .sourceChannel, .homeStore, .guide, .kind,
            ].enumerated() {
                facts.texts[field] = row.text(index)
            }
            facts.texts[.tier] = row.text(18)
            facts.registered = row.bool(7)
            for (index, field) in [
                (8, MemberField.joinedAt), (11, .firstOrderAt), (12, .lastOrderAt), (14, .firstSeenAt),
                (15, .lastSeenAt),
            ] {
                facts.times[field] = row.int(index)
            }
            facts.orderCount = row.int(9) ?? 0
            facts.totalSpend = row.int(10) ?? 0
            facts.eventCount = row.int(13) ?? 0
            facts.birthday = row.text(16)
            facts.attributes = Self.object(row.text(17))
            facts.growth = row.int(19) ?? 0
            facts.points = row.int(20) ?? 0
            facts.storedValue = row.int(21) ?? 0
            facts.inBrand = row.bool(22)
            var next = 1
            func rows(_ wanted: Bool) -> [SQLRow] {
                guard wanted else { return [] }
                defer { next += 1 }
                return results[next]
            }
            facts.tags = Set(rows(needs.tags).compactMap { $0.text(0) })
            facts.segments = Set(rows(needs.segments).compactMap { $0.text(0) })
            facts.events = rows(needs.events).map {
                EventFact(
                    name: $0.text(0) ?? "", channel: $0.text(1) ?? "", occurredAt: $0.int(2) ?? 0,
                    properties: Self.object($0.text(3)))
            }
            facts.orders = Self.orders(rows(needs.orders))
            facts.lots = rows(needs.lots).map { LotFact(expiresAt: $0.int(0), remaining: $0.int(1) ?? 0) }
            facts.coupons = rows(needs.coupons).map {
                CouponFact(status: $0.text(0) ?? "", validFrom: $0.int(1) ?? 0, validUntil: $0.int(2) ?? 0)
            }
            return facts
        }
    }

    private static func object(_ text: String?) -> [String: JSONValue] {
        guard let text, let value = try? JSONParser.parse(Array(text.utf8)) else { return [:] }
        return value.objectValue ?? [:]
    }

    /// Orders from rows of orders left-joined with their lines, in order id order.
    private static func orders(_ rows: [SQLRow]) -> [OrderFact] {
        var orders: [OrderFact] = []
        var current: String?
        for row in rows {
            if row.text(0) != current {
                current = row.text(0)
                orders.append(
                    OrderFact(
                        status: OrderStatus(rawValue: row.text(1) ?? "") ?? .placed, channel: row.text(2) ?? "",
                        store: row.text(3), paidMinor: row.int(4) ?? 0, refundedMinor: row.int(5) ?? 0,
                        placedAt: row.int(6) ?? 0, paidAt: row.int(7), items: []))
            }
            if let sku = row.text(8) {
                orders[orders.count - 1].items.append(
                    OrderItemFact(
                        sku: sku, product: row.text(9), category: row.text(10), brand: row.text(11),
                        quantity: row.int(12) ?? 0, unitPriceMinor: row.int(13) ?? 0))
            }
        }
        return orders
    }
}
