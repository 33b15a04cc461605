import Foundation
import TesseraDomain

/// Issues one coupon: replays a used idempotency key, checks the member, locks the template row
/// (stock is counted under that lock, so concurrent issues never exceed it), checks the member's
/// limit, then writes the coupon, the issued count and `coupon.issued`.
struct IssueCouponProgram: SQLProgram {
    let dialect: SQLDialect
    let group: GroupID
    let brand: BrandID
    let member: MemberID
    let template: String
    let code: String
    let key: String
    let at: Date
    let id: String

    private enum Phase { case replay, member, template, held, program, written }
    private var phase = Phase.replay
    private var config: CouponTemplate?
    private var issued: Int64 = 0
    private var held: Int64 = 0
    private var outcome: (coupon: CouponRecord, replayed: Bool)?

    init(
        dialect: SQLDialect, group: GroupID, brand: BrandID, member: MemberID, template: String, code: String,
        key: String, at: Date, id: String
    ) {
        (self.dialect, self.group, self.brand, self.member, self.template) = (dialect, group, brand, member, template)
        (self.code, self.key, self.at, self.id) = (code, key, at, id)
    }

    private var g: SQLValue { .text(group.rawValue) }

    mutating func start() throws -> SQLStep<(coupon: CouponRecord, replayed: Bool)> {
        (phase, config, outcome) = (.replay, nil, nil)
        return .query(
            SQLStatement(
                "SELECT \(CouponSQL.columns) FROM coupons c WHERE c.group_id = ? AND c.brand_id = ? AND c.issue_key = ?",
                [g, .text(brand.rawValue), .text(key)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<(coupon: CouponRecord, replayed: Bool)> {
        switch phase {
        case .replay:
            if let row = rows.first {
                let stored = CouponSQL.record(row)
                guard stored.member == member, stored.templateID == template else {
                    throw TesseraError.idempotencyKeyReused(for: "another coupon issue")
                }
                return .done((stored, true))
            }
            phase = .member
            return .query(MemberCheckSQL.select(group: group, member: member))
        case .member:
            try MemberCheckSQL.requireActive(rows, member: member)
            phase = .template
            return .query(
                SQLStatement(
                    "SELECT CAST(config AS TEXT), issued, status FROM coupon_templates WHERE group_id = ? AND brand_id = ? AND id = ?"
                        + (dialect == .postgres ? " FOR UPDATE" : ""), [g, .text(brand.rawValue), .text(template)]))
        case .template:
            guard let row = rows.first, let text = row.text(0) else {
                throw CouponSQL.rejected(
                    "template_not_found", "no coupon template \(template) in this brand", field: "template")
            }
            guard row.text(2) == "active" else {
                throw CouponSQL.rejected(
                    "template_disabled", "coupon template \(template) is disabled", field: "template")
            }
            config = try ConfigCoding.decode(CouponTemplate.self, from: text)
            issued = row.int(1) ?? 0
            phase = .held
            return .query(
                SQLStatement(
                    "SELECT count(*) FROM coupons WHERE group_id = ? AND template_id = ? AND member_id = ? AND status <> 'voided'",
                    [g, .text(template), .text(member.rawValue)]))
        case .held:
            held = rows.first?.int(0) ?? 0
            phase = .program
            return .query(ProgramSQL.select(group: group, brand: brand))
        case .program:
            guard let config else { preconditionFailure("coupon issue resumed without its template") }
            if let stock = config.stock, issued >= stock {
                throw CouponSQL.rejected(
                    "out_of_stock", "all \(stock) coupons of this template were issued", field: "template")
            }
            if let limit = config.perMemberLimit, held >= limit {
                throw CouponSQL.rejected(
                    "member_limit_reached", "the member already holds \(held) of at most \(limit)", field: "member")
            }
            let window = config.validity.window(issuedAt: at, calendar: try ProgramSQL.parse(rows).program.calendar)
            let coupon = CouponRecord(
                id: id, code: CouponCode.display(code), templateID: template, brand: brand, member: member,
                status: .issued, issuedAt: at, validFrom: window.from, validUntil: window.until)
            outcome = (coupon, false)
            phase = .written
            let now = SQLValue.int(Timestamp.micros(at))
            return .execute(
                [
                    SQLStatement(
                        """
                        INSERT INTO coupons (group_id, id, brand_id, template_id, member_id, code, status, issued_at, \
                        valid_from, valid_until, restore_on_refund, issue_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            g, .text(id), .text(brand.rawValue), .text(template), .text(member.rawValue), .text(code),
                            now,
                            .int(Timestamp.micros(window.from)), .int(Timestamp.micros(window.until)),
                            .int(config.restoreOnRefund ? 1 : 0), .text(key), now,
                        ]),
                    SQLStatement(
                        "UPDATE coupon_templates SET issued = issued + 1, updated_at = ? WHERE group_id = ? AND id = ?",
                        [now, g, .text(template)]),
                ] + CouponSQL.event("coupon.issued", coupon, group: group, id: id, at: at, dialect: dialect))
        case .written:
            guard let outcome else { preconditionFailure("coupon issue resumed before deciding") }
            return .done(outcome)
        }
    }
}
