import Foundation
import TesseraDomain

/// Loads the ``MemberFacts`` of many members of a brand at once — one read per table for all of
/// them, in one transaction, and all the reads in one round trip on PostgreSQL
/// (``BundledReadsProgram``) — for the in-memory evaluator. Only the tables a rule looks at are
/// read (``SegmentRule/needs``).
enum MemberFactsSQL {
    /// Most members one program reads: SQLite binds each id as a parameter, PostgreSQL one array of
    /// them (``SQLBuilder/oneOf(_:dialect:)``), so a journey pass of 1,000 runs reads its facts at once.
    static func largestBatch(_ dialect: SQLDialect) -> Int { dialect == .postgres ? 1_000 : 200 }

    static func program(
        group: GroupID, brand: BrandID, members: [MemberID], needs: SegmentRule.Needs, dialect: SQLDialect
    ) -> BundledReadsProgram<[MemberID: MemberFacts]> {
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        let oneOf = SQLBuilder.oneOf(members.map { .text($0.rawValue) }, dialect: dialect)
        let (list, ids) = (oneOf.sql, oneOf.arguments)
        let owned = "x.group_id = m.group_id AND x.brand_id = ? AND x.member_id = m.id"
        let ofBrand = "x.group_id = ? AND x.brand_id = ? AND x.member_id \(list)"
        // The brand account's columns are lookups in five tables per member (about a fifth of this
        // read on PostgreSQL), so unless something reads them they are stand-ins (nil, 0) that bind
        // nothing; brand membership has no stand-in, every caller needs it.
        let account: [(column: String, bindsBrand: Bool)] = [
            ("(SELECT x.tier FROM loyalty_members x WHERE \(owned))", "NULL"),
            ("COALESCE((SELECT x.growth FROM loyalty_members x WHERE \(owned)), 0)", "0"),
            ("COALESCE((SELECT x.balance FROM points_accounts x WHERE \(owned)), 0)", "0"),
            ("COALESCE((SELECT x.principal + x.bonus FROM stored_value_accounts x WHERE \(owned)), 0)", "0"),
            ("EXISTS (SELECT 1 FROM member_brands x WHERE \(owned))", nil),
            ("(SELECT x.rfm_group FROM rfm_scores x WHERE \(owned))", "NULL"),
            ("(SELECT x.status FROM member_follows x WHERE \(owned))", "NULL"),
            ("(SELECT x.changed_at FROM member_follows x WHERE \(owned))", "NULL"),
        ].map { lookup, standIn in
            if let standIn, !needs.account { (standIn, false) } else { (lookup, true) }
        }
        var reads = [
            BundledReadsProgram<[MemberID: MemberFacts]>.Read(
                columns: [
                    "m.id", "m.gender", "m.city", "m.region", "m.source_channel", "m.home_store", "m.guide", "m.kind",
                    "m.registered", "m.joined_at", "m.order_count", "m.total_spend_minor", "m.first_order_at",
                    "m.last_order_at", "m.event_count", "m.first_seen_at", "m.last_seen_at", "m.birthday",
                    "CAST(m.attributes AS TEXT)",
                ] + account.map(\.column) + ["CAST(m.consent AS TEXT)", "m.name"],
                source: "members m WHERE m.group_id = ? AND m.id \(list) AND m.merged_into IS NULL",
                arguments: Array(repeating: b, count: account.count(where: \.bindsBrand)) + [g] + ids)
        ]
        let kinds: [(Bool, BundledReadsProgram<[MemberID: MemberFacts]>.Read)] = [
            (
                needs.tags,
                .init(
                    columns: ["x.member_id", "x.tag", "x.source", "x.actor"], source: "member_tags x WHERE \(ofBrand)",
                    arguments: [g, b] + ids)
            ),
            (
                needs.segments,
                .init(
                    columns: ["member_id", "segment_id"],
                    source: "segment_members WHERE group_id = ? AND member_id \(list)", arguments: [g] + ids)
            ),
            (
                needs.events,
                // A closed range although only the lower bound limits anything: PostgreSQL estimates a
                // range between two parameters as narrow (0.5%) and an open one as a third of the
                // member's events, and compares its one plan for every call (a prepared statement's
                // generic plan) with a plan made for each call's values. Estimated a third, the generic
                // plan lost, so each call was planned again: 0.45 ms, three times the read itself.
                .init(
                    columns: ["member_id", "name", "channel", "occurred_at", "CAST(properties AS TEXT)"],
                    source: """
                        events WHERE group_id = ? AND member_id \(list) AND brand_id = ? AND name IS NOT NULL \
                        AND occurred_at >= ? AND occurred_at <= ?
                        """, arguments: [g] + ids + [b, .int(needs.eventsSince ?? Int64.min), .int(Int64.max)])
            ),
            (
                needs.orders,
                .init(
                    columns: [
                        "o.member_id", "o.id", "o.status", "o.channel", "o.store_code", "o.paid_minor",
                        "o.refunded_minor", "o.placed_at", "o.paid_at", "i.sku", "i.product_id", "i.category",
                        "i.brand", "i.quantity", "i.unit_price_minor",
                    ],
                    source: """
                        orders o LEFT JOIN order_items i ON i.group_id = o.group_id AND i.order_id = o.id \
                        WHERE o.group_id = ? AND o.member_id \(list) AND o.brand_id = ? \
                        AND COALESCE(o.paid_at, o.placed_at) >= ?
                        """, order: "o.member_id, o.id, i.line",
                    arguments: [g] + ids + [b, .int(needs.ordersSince ?? Int64.min)])
            ),
            (
                needs.lots,
                .init(
                    columns: ["x.member_id", "x.expires_at", "x.remaining"],
                    source: "points_lots x WHERE \(ofBrand) AND x.remaining > 0", arguments: [g, b] + ids)
            ),
            (
                needs.coupons,
                .init(
                    columns: ["x.member_id", "x.status", "x.valid_from", "x.valid_until"],
                    source: "coupons x WHERE \(ofBrand)", arguments: [g, b] + ids)
            ),
            (
                needs.cart,
                .init(
                    columns: [
                        "x.member_id", "x.sku", "x.quantity", "x.unit_price_minor", "x.updated_at", "x.product_id",
                        "x.name", "x.category", "x.currency", "x.added_at",
                    ],
                    source: "cart_items x WHERE \(ofBrand)", order: "x.member_id, x.sku", arguments: [g, b] + ids)
            ),
            (
                needs.scores,
                .init(
                    columns: ["x.member_id", "x.score", "x.value"], source: "member_scores x WHERE \(ofBrand)",
                    arguments: [g, b] + ids)
            ),
            (
                needs.stages,
                .init(
                    columns: ["x.member_id", "x.model", "x.stage"], source: "member_stages x WHERE \(ofBrand)",
                    arguments: [g, b] + ids)
            ),
        ]
        reads += kinds.filter(\.0).map(\.1)
        return BundledReadsProgram(reads, dialect: dialect) { results in
            var facts: [MemberID: MemberFacts] = [:]
            for row in results[0] { if let member = Self.member(row) { facts[MemberID(member.id)] = member } }
            var next = 1
            /// The rows of the next table read, each handed to `apply` with its member's facts.
            func each(_ wanted: Bool, _ apply: (inout MemberFacts, SQLRow) -> Void) {
                guard wanted else { return }
                defer { next += 1 }
                for row in results[next] {
                    guard let id = row.text(0).map({ MemberID($0) }), facts[id] != nil else { continue }
                    // In place (the default is never used: the key is there), so arrays are not copied per row.
                    apply(&facts[id, default: MemberFacts(id: id.rawValue)], row)
                }
            }
            each(needs.tags) { member, row in
                let tag = row.text(1) ?? ""
                member.tags.insert(tag)
                if let source = row.text(2), source == "rule" || source == "behaviour" {
                    member.derivedTags[row.text(3) ?? "", default: []].insert(tag)
                }
            }
            each(needs.segments) { $0.segments.insert($1.text(1) ?? "") }
            each(needs.events) {
                $0.events.append(
                    EventFact(
                        name: $1.text(1) ?? "", channel: $1.text(2) ?? "", occurredAt: $1.int(3) ?? 0,
                        properties: Self.object($1.text(4))))
            }
            var currentOrder: String?
            each(needs.orders) { member, row in
                if row.text(1) != currentOrder {
                    currentOrder = row.text(1)
                    member.orders.append(
                        OrderFact(
                            status: OrderStatus(rawValue: row.text(2) ?? "") ?? .placed, channel: row.text(3) ?? "",
                            store: row.text(4), paidMinor: row.int(5) ?? 0, refundedMinor: row.int(6) ?? 0,
                            placedAt: row.int(7) ?? 0, paidAt: row.int(8), items: []))
                }
                if let sku = row.text(9) {
                    member.orders[member.orders.count - 1].items.append(
                        OrderItemFact(
                            sku: sku, product: row.text(10), category: row.text(11), brand: row.text(12),
                            quantity: row.int(13) ?? 0, unitPriceMinor: row.int(14) ?? 0))
                }
            }
            each(needs.lots) { $0.lots.append(LotFact(expiresAt: $1.int(1), remaining: $1.int(2) ?? 0)) }
            each(needs.coupons) {
                $0.coupons.append(
                    CouponFact(status: $1.text(1) ?? "", validFrom: $1.int(2) ?? 0, validUntil: $1.int(3) ?? 0))
            }
            each(needs.cart) {
                $0.cart.append(
                    CartLineFact(
                        sku: $1.text(1) ?? "", productID: $1.text(5), name: $1.text(6), category: $1.text(7),
                        quantity: $1.int(2) ?? 0, unitPriceMinor: $1.int(3) ?? 0, currency: $1.text(8) ?? "",
                        addedAt: $1.int(9), updatedAt: $1.int(4) ?? 0))
            }
            each(needs.scores) { $0.scores[$1.text(1) ?? ""] = $1.int(2) ?? 0 }
            each(needs.stages) { $0.stages[$1.text(1) ?? ""] = $1.text(2) ?? "" }
            return facts
        }
    }

    /// The member row's facts: profile, aggregates, loyalty balances and brand membership.
    private static func member(_ row: SQLRow) -> MemberFacts? {
        guard let id = row.text(0) else { return nil }
        var facts = MemberFacts(id: id)
        for (index, field) in [MemberField.gender, .city, .region, .sourceChannel, .homeStore, .guide, .kind]
            .enumerated()
        {
            facts.texts[field] = row.text(index + 1)
        }
        facts.registered = row.bool(8)
        for (index, field) in [
            (9, MemberField.joinedAt), (12, .firstOrderAt), (13, .lastOrderAt), (15, .firstSeenAt), (16, .lastSeenAt),
        ] {
            facts.times[field] = row.int(index)
        }
        facts.orderCount = row.int(10) ?? 0
        facts.totalSpend = row.int(11) ?? 0
        facts.eventCount = row.int(14) ?? 0
        facts.birthday = row.text(17)
        facts.attributes = object(row.text(18))
        facts.texts[.tier] = row.text(19)
        facts.growth = row.int(20) ?? 0
        facts.points = row.int(21) ?? 0
        facts.storedValue = row.int(22) ?? 0
        facts.inBrand = row.bool(23)
        facts.rfmGroup = row.text(24).flatMap(RFMGroup.init(rawValue:))
        facts.texts[.followStatus] = row.text(25)
        facts.times[.followChangedAt] = row.int(26)
        facts.consent = object(row.text(27)).compactMapValues(\.boolValue)
        facts.name = row.text(28)
        return facts
    }

    private static func object(_ text: String?) -> [String: JSONValue] {
        guard let text, let value = try? JSONParser.parse(Array(text.utf8)) else { return [:] }
        return value.objectValue ?? [:]
    }
}
