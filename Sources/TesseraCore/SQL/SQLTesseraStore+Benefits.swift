public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func grantBenefit(
        _ benefit: Benefit, group: GroupID, brand: BrandID, member: MemberID, validFrom: Date, validUntil: Date?,
        idempotencyKey: String, at: Date
    ) async throws -> MemberBenefit {
        let id = ids.next()
        let (g, b, m) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(member.rawValue))
        let now = SQLValue.int(Timestamp.micros(at))
        let properties: [String: JSONValue] = [
            "benefitId": .string(id), "name": .string(benefit.name), "kind": .string(benefit.kind.rawValue),
        ]
        let insert =
            [
                SQLStatement(
                    """
                    INSERT INTO member_benefits (group_id, id, brand_id, member_id, config, valid_from, valid_until, status, \
                    grant_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, 'active', ?, ?, ?) \
                    ON CONFLICT (group_id, brand_id, grant_key) DO NOTHING
                    """,
                    [
                        g, .text(id), b, m, .text(try ConfigCoding.encode(benefit)), .int(Timestamp.micros(validFrom)),
                        .optional(validUntil.map(Timestamp.micros)), .text(idempotencyKey), now, now,
                    ])
            ]
            + DomainEventSQL.insert(
                [
                    DomainEvent(
                        idempotencyKey: "benefit.granted:\(idempotencyKey)", brand: brand, member: member,
                        name: "benefit.granted", properties: properties, at: at)
                ], group: group, idPrefix: id, dialect: driver.dialect)
        // The member is checked in the transaction, so nothing is written for an unknown or merged one.
        let memberCheck = QueryProgram(
            MemberCheckSQL.select(group: group, member: member),
            map: { rows in try MemberCheckSQL.requireActive(rows, member: member) })
        let row = try await driver.run(
            ChainedProgram(ChainedProgram(memberCheck) { _ in WriteProgram(statements: insert, output: ()) }) { _ in
                QueryProgram(
                    SQLStatement(
                        "SELECT id, CAST(config AS TEXT), valid_from, valid_until, member_id FROM member_benefits "
                            + "WHERE group_id = ? AND brand_id = ? AND grant_key = ?", [g, b, .text(idempotencyKey)]),
                    map: { $0.first })
            }, writes: true)
        guard let row else { throw TesseraError.unavailable("the granted benefit could not be read back") }
        guard row.text(4) == member.rawValue else {
            throw TesseraError.idempotencyKeyReused()
        }
        let stored = try ConfigCoding.decode(Benefit.self, from: row.text(1) ?? "{}")
        return MemberBenefit(
            id: row.text(0) ?? "", benefit: stored, source: "granted", validFrom: row.int(2).map(Timestamp.date),
            validUntil: row.int(3).map(Timestamp.date), usesLeft: stored.uses)
    }

    public func revokeBenefit(id: String, group: GroupID, brand: BrandID, member: MemberID, at: Date) async throws {
        let found = try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    UPDATE member_benefits SET status = 'revoked', updated_at = ? WHERE group_id = ? AND brand_id = ? \
                    AND member_id = ? AND id = ? AND status = 'active' RETURNING id
                    """,
                    [
                        .int(Timestamp.micros(at)), .text(group.rawValue), .text(brand.rawValue),
                        .text(member.rawValue),
                        .text(id),
                    ]), map: { !$0.isEmpty }), writes: true)
        if !found {
            throw TesseraError.rejected(
                code: "benefit_not_found", field: "id", reason: "no active grant \(id) for this member")
        }
    }

    public func memberBenefits(group: GroupID, brand: BrandID, member: MemberID, at date: Date) async throws
        -> [MemberBenefit]
    {
        try await driver.run(
            BenefitProgram(
                dialect: driver.dialect, mode: .list, group: group, brand: brand, member: member, at: date, eventID: ""),
            writes: false)
    }

    public func useBenefit(
        id: String, group: GroupID, brand: BrandID, member: MemberID, idempotencyKey: String, at: Date
    ) async throws -> MemberBenefit {
        let after = try await driver.run(
            BenefitProgram(
                dialect: driver.dialect, mode: .use(id: id, key: idempotencyKey), group: group, brand: brand,
                member: member, at: at, eventID: ids.next()), writes: true)
        guard let benefit = after.first(where: { $0.id == id }) else {
            throw TesseraError.rejected(
                code: "benefit_not_found", field: "id", reason: "the member has no benefit \(id)")
        }
        return benefit
    }
}
