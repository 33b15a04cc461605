public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func createCouponTemplate(_ template: CouponTemplate, group: GroupID, brand: BrandID, at: Date)
        async throws -> String
    {
        let id = ids.next()
        let now = SQLValue.int(Timestamp.micros(at))
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    INSERT INTO coupon_templates (group_id, id, brand_id, config, issued, stock, status, created_at, updated_at) \
                    VALUES (?, ?, ?, ?::jsonb, 0, ?, 'active', ?, ?)
                    """,
                    [
                        .text(group.rawValue), .text(id), .text(brand.rawValue),
                        .text(try ConfigCoding.encode(template)),
                        .optional(template.stock), now, now,
                    ])
            ]), writes: true)
        return id
    }

    public func couponTemplates(group: GroupID, brand: BrandID) async throws -> [CouponTemplateRecord] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT id, CAST(config AS TEXT), issued, status FROM coupon_templates WHERE group_id = ? "
                        + "AND brand_id = ? ORDER BY created_at, id", [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    try rows.map { row in
                        CouponTemplateRecord(
                            id: row.text(0) ?? "",
                            template: try ConfigCoding.decode(CouponTemplate.self, from: row.text(1) ?? "{}"),
                            issued: row.int(2) ?? 0, active: row.text(3) == "active")
                    }
                }), writes: false)
    }

    public func setCouponTemplate(active: Bool, id: String, group: GroupID, brand: BrandID, at: Date) async throws {
        let found = try await driver.run(
            QueryProgram(
                SQLStatement(
                    "UPDATE coupon_templates SET status = ?, updated_at = ? WHERE group_id = ? AND brand_id = ? AND id = ? RETURNING id",
                    [
                        .text(active ? "active" : "disabled"), .int(Timestamp.micros(at)), .text(group.rawValue),
                        .text(brand.rawValue), .text(id),
                    ]),
                map: { !$0.isEmpty }), writes: true)
        if !found { throw TesseraError.notFound("no coupon template \(id) in this brand") }
    }

    public func issueCoupon(
        template: String, group: GroupID, brand: BrandID, member: MemberID, code: String, idempotencyKey: String,
        at: Date
    ) async throws -> (coupon: CouponRecord, replayed: Bool) {
        try await driver.run(
            IssueCouponProgram(
                dialect: driver.dialect, group: group, brand: brand, member: member, template: template, code: code,
                key: idempotencyKey, at: at, id: ids.next()), writes: true)
    }

    public func coupon(code: String, group: GroupID, brand: BrandID) async throws -> CouponRecord? {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(CouponSQL.columns) FROM coupons c WHERE c.group_id = ? AND c.code = ? AND c.brand_id = ?",
                    [.text(group.rawValue), .text(code), .text(brand.rawValue)]),
                map: { $0.first.map(CouponSQL.record) }), writes: false)
    }

    public func memberCoupons(group: GroupID, brand: BrandID, member: MemberID) async throws -> [CouponRecord] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT \(CouponSQL.columns) FROM coupons c WHERE c.group_id = ? AND c.brand_id = ? AND c.member_id = ? "
                        + "ORDER BY c.issued_at DESC, c.id DESC",
                    [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]),
                map: { $0.map(CouponSQL.record) }), writes: false)
    }

    /// Redemptions, voids and restores that arrive together share a transaction (``CouponChangeProgram``
    /// behind a ``RequestBatcher``); a quote reads alone.
    public func changeCoupon(_ action: CouponAction, code: String, group: GroupID, brand: BrandID, at: Date)
        async throws -> CouponOutcome
    {
        let change = CouponChange(action: action, code: code, group: group, brand: brand, at: at, id: ids.next())
        guard action.writes else { return try await Self.changeCoupon(change, driver: driver) }
        return try await couponBatcher.submit(change)
    }

    /// Runs `changes` as one ``CouponChangeProgram``, or each alone if the batch as a whole fails (it
    /// then wrote nothing).
    static func changeCoupons(together changes: [CouponChange], driver: any SQLDriver) async
        -> [Result<CouponOutcome, any Error>]
    {
        if changes.count > 1,
            let answers = try? await driver.run(
                CouponChangeProgram(dialect: driver.dialect, changes: changes), writes: true)
        {
            return answers
        }
        var results: [Result<CouponOutcome, any Error>] = []
        for change in changes {
            do { results.append(.success(try await changeCoupon(change, driver: driver))) } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// One change in a transaction of its own.
    private static func changeCoupon(_ change: CouponChange, driver: any SQLDriver) async throws -> CouponOutcome {
        let program = CouponChangeProgram(dialect: driver.dialect, changes: [change])
        let answers = try await driver.run(program, writes: program.writes)
        guard let answer = answers.first else { throw TesseraError.unavailable("a coupon change went unanswered") }
        return try answer.get()
    }

    public func expireCoupons(at date: Date) async throws -> Int {
        let now = SQLValue.int(Timestamp.micros(date))
        let expiring = CouponSQL.events(
            "coupon.expired", where: "status = 'issued' AND valid_until <= ?", [now], occurredAt: "valid_until", [],
            eventID: ids.next(), at: date, dialect: driver.dialect)
        return try await driver.run(
            ChainedProgram(
                WriteProgram(statements: [expiring], output: ())
            ) { _ in
                QueryProgram(
                    SQLStatement(
                        "UPDATE coupons SET status = 'expired', updated_at = ? WHERE status = 'issued' AND valid_until <= ? RETURNING id",
                        [now, now]), map: { $0.count })
            }, writes: true)
    }
}
