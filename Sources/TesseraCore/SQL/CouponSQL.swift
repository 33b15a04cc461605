import Foundation
import TesseraDomain

/// Reading coupons back, shared by the coupon programs and queries.
enum CouponSQL {
    /// Columns read by ``record(_:)``, qualified by `c`.
    static let columns =
        "c.id, c.code, c.template_id, c.brand_id, c.member_id, c.status, c.issued_at, c.valid_from, c.valid_until, "
        + "c.redeemed_at, c.order_ref, c.discount_minor, c.redeem_key"

    static func record(_ row: SQLRow) -> CouponRecord {
        CouponRecord(
            id: row.text(0) ?? "", code: CouponCode.display(row.text(1) ?? ""), templateID: row.text(2) ?? "",
            brand: BrandID(row.text(3) ?? ""), member: MemberID(row.text(4) ?? ""),
            status: CouponRecord.Status(rawValue: row.text(5) ?? "") ?? .voided,
            issuedAt: Timestamp.date(row.int(6) ?? 0), validFrom: Timestamp.date(row.int(7) ?? 0),
            validUntil: Timestamp.date(row.int(8) ?? 0), redeemedAt: row.int(9).map(Timestamp.date),
            orderID: row.text(10), discountMinor: row.int(11))
    }

    /// The `coupon.issued`, `coupon.redeemed`, … event of a change to `coupon`.
    static func event(
        _ name: String, _ coupon: CouponRecord, group: GroupID, id: String, extra: [String: JSONValue] = [:], at: Date,
        dialect: SQLDialect
    ) -> [SQLStatement] {
        DomainEventSQL.insert(
            [domainEvent(name, coupon, id: id, extra: extra, at: at)], group: group, idPrefix: id, dialect: dialect)
    }

    /// The event ``event(_:_:group:id:extra:at:dialect:)`` writes.
    static func domainEvent(_ name: String, _ coupon: CouponRecord, id: String, extra: [String: JSONValue], at: Date)
        -> DomainEvent
    {
        var properties: [String: JSONValue] = [
            "couponId": .string(coupon.id), "code": .string(coupon.code), "templateId": .string(coupon.templateID),
            "validUntil": .string(coupon.validUntil.formatted(.iso8601)),
        ]
        properties.merge(extra) { _, new in new }
        return DomainEvent(
            idempotencyKey: "\(name):\(id)", brand: coupon.brand, member: coupon.member, name: name,
            properties: properties, at: at)
    }

    /// A JSON object built in SQL from `key, expression` pairs.
    static func jsonObject(_ pairs: [(String, String)], dialect: SQLDialect) -> String {
        let arguments = pairs.map { "'\($0.0)', \($0.1)" }.joined(separator: ", ")
        return dialect == .postgres ? "jsonb_build_object(\(arguments))" : "json_object(\(arguments))"
    }

    /// Gives back the coupons redeemed on the brand's order `orderID` whose template says so
    /// (`restoreOnRefund`), emitting `coupon.restored` for each: usable again, or expired if
    /// their window has passed.
    static func restoreOnRefund(
        group: GroupID, brand: BrandID, orderID: String, at: Date, eventID: String, dialect: SQLDialect
    ) -> [SQLStatement] {
        let (g, b, o, now) = (
            SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(orderID),
            SQLValue.int(Timestamp.micros(at))
        )
        let which = "group_id = ? AND brand_id = ? AND order_ref = ? AND status = 'redeemed' AND restore_on_refund = 1"
        return [
            events(
                "coupon.restored", where: which, [g, b, o], occurredAt: "?", [now],
                reason: "order refunded", eventID: eventID, at: at, dialect: dialect),
            SQLStatement(
                """
                UPDATE coupons SET status = CASE WHEN valid_until > ? THEN 'issued' ELSE 'expired' END, redeemed_at = NULL, \
                order_ref = NULL, discount_minor = NULL, redeem_key = NULL, updated_at = ? WHERE \(which)
                """, [now, now, g, b, o]),
        ]
    }

    /// One `name` event (a constant of this package, inlined) per coupon row matching `condition` (with `arguments`), written by a
    /// single `INSERT … SELECT` — for changes made to many coupons by one statement. Occurring at
    /// the SQL expression `occurredAt` (bound to `occurredArguments`).
    static func events(
        _ name: String, where condition: String, _ arguments: [SQLValue], occurredAt: String,
        _ occurredArguments: [SQLValue], reason: String? = nil, eventID: String, at: Date, dialect: SQLDialect
    ) -> SQLStatement {
        var properties = [("couponId", "id"), ("code", "code"), ("templateId", "template_id")]
        if let reason { properties.append(("reason", "'\(reason)'")) }
        return SQLStatement(
            """
            INSERT INTO events (\(DomainEventSQL.columns.joined(separator: ", "))) SELECT group_id, id || '-' || ?, \
            '\(name):' || id || ':' || ?, member_id, member_id, brand_id, '\(DomainEvent.kind)', '\(name)', \
            '\(DomainEvent.channel)', \(occurredAt), ?, \(jsonObject(properties, dialect: dialect)) FROM coupons \
            WHERE \(condition) ON CONFLICT (group_id, idempotency_key) DO NOTHING
            """,
            [.text(eventID), .text(eventID)] + occurredArguments
                + [.int(Timestamp.micros(at))] + arguments)
    }

    static func rejected(_ code: String, _ message: String, field: String? = "code") -> TesseraError {
        .rejected(code: code, field: field, reason: message)
    }
}
