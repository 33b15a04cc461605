import Foundation
import TesseraDomain

/// Lists a member's benefits in force, or uses one of them: tier benefits come from the
/// programme's ladder (their uses renew each tier period), granted ones from `member_benefits`.
/// Using locks the member's tier row and grants first, so concurrent uses never exceed the count.
struct BenefitProgram: SQLProgram {
    enum Mode: Sendable {
        case list
        case use(id: String, key: String)
    }

    let dialect: SQLDialect
    let mode: Mode
    let group: GroupID
    let brand: BrandID
    let member: MemberID
    let at: Date
    let eventID: String

    private enum Phase { case replay, program, tier, granted, uses, written }
    private var phase = Phase.replay
    private var program = LoyaltyProgram.standard
    private var tier: (code: String, periodEnd: Date)?
    private var granted: [MemberBenefit] = []
    /// The use's idempotency key was used before: answer the benefits as they are.
    private var replayed = false
    /// The benefits after a use, answered once its statements ran.
    private var usedList: [MemberBenefit] = []

    init(dialect: SQLDialect, mode: Mode, group: GroupID, brand: BrandID, member: MemberID, at: Date, eventID: String) {
        (self.dialect, self.mode, self.group, self.brand, self.member, self.at, self.eventID) = (
            dialect, mode, group, brand, member, at, eventID
        )
    }

    private var key: [SQLValue] { [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)] }
    private var lock: String {
        if case .use = mode, dialect == .postgres { return " FOR UPDATE" }
        return ""
    }

    mutating func start() throws -> SQLStep<[MemberBenefit]> {
        (phase, program, tier, granted, replayed, usedList) = (.replay, .standard, nil, [], false, [])
        guard case .use(_, let useKey) = mode else { return try resume([]) }
        return .query(
            SQLStatement(
                "SELECT member_id FROM benefit_uses WHERE group_id = ? AND brand_id = ? AND use_key = ?",
                [.text(group.rawValue), .text(brand.rawValue), .text(useKey)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<[MemberBenefit]> {
        switch phase {
        case .replay:
            if let owner = rows.first?.text(0), owner != member.rawValue {
                throw TesseraError.idempotencyKeyReused()
            }
            replayed = !rows.isEmpty
            phase = .program
            return .query(ProgramSQL.select(group: group, brand: brand))
        case .program:
            program = try ProgramSQL.parse(rows).program
            phase = .tier
            return .query(
                SQLStatement(
                    "SELECT tier, period_end FROM loyalty_members WHERE group_id = ? AND brand_id = ? AND member_id = ?"
                        + lock, key))
        case .tier:
            if let row = rows.first, let code = row.text(0), let end = row.int(1) {
                tier = (code, Timestamp.date(end))
            }
            phase = .granted
            return .query(
                SQLStatement(
                    """
                    SELECT id, CAST(config AS TEXT), valid_from, valid_until FROM member_benefits WHERE group_id = ? \
                    AND brand_id = ? AND member_id = ? AND status = 'active' AND valid_from <= ? \
                    AND (valid_until IS NULL OR valid_until > ?) ORDER BY created_at, id
                    """ + lock, key + [.int(Timestamp.micros(at)), .int(Timestamp.micros(at))]))
        case .granted:
            granted = try rows.map { row in
                MemberBenefit(
                    id: row.text(0) ?? "", benefit: try ConfigCoding.decode(Benefit.self, from: row.text(1) ?? "{}"),
                    source: "granted", validFrom: row.int(2).map(Timestamp.date),
                    validUntil: row.int(3).map(Timestamp.date))
            }
            phase = .uses
            return .query(
                SQLStatement(
                    """
                    SELECT benefit_ref, count(*) FROM benefit_uses WHERE group_id = ? AND brand_id = ? AND member_id = ? \
                    AND (benefit_ref NOT LIKE 'tier:%' OR used_at >= ?) GROUP BY benefit_ref
                    """, key + [.int(Timestamp.micros(periodStart ?? at))]))
        case .uses:
            var counts: [String: Int64] = [:]
            for row in rows { counts[row.text(0) ?? ""] = row.int(1) ?? 0 }
            let benefits = effective(counts)
            guard case .use(let id, let useKey) = mode, !replayed else { return .done(benefits) }
            guard let index = benefits.firstIndex(where: { $0.id == id }) else {
                throw TesseraError.rejected(
                    code: "benefit_not_found", field: "id", reason: "the member has no benefit \(id) in force")
            }
            var benefit = benefits[index]
            guard let left = benefit.usesLeft else {
                throw TesseraError.rejected(
                    code: "benefit_has_no_uses", field: "id", reason: "\(benefit.benefit.name) applies by itself")
            }
            guard left > 0 else {
                throw TesseraError.rejected(
                    code: "benefit_used_up", field: "id", reason: "\(benefit.benefit.name) has no uses left this period"
                )
            }
            benefit.usesLeft = left - 1
            var after = benefits
            after[index] = benefit
            usedList = after
            phase = .written
            let properties: [String: JSONValue] = [
                "benefitId": .string(id), "name": .string(benefit.benefit.name),
                "kind": .string(benefit.benefit.kind.rawValue),
                "usesLeft": .number(Decimal(left - 1)),
            ]
            return .execute(
                [
                    SQLStatement(
                        "INSERT INTO benefit_uses (group_id, id, brand_id, member_id, benefit_ref, use_key, used_at) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [
                            .text(group.rawValue), .text(eventID), .text(brand.rawValue), .text(member.rawValue),
                            .text(id), .text(useKey), .int(Timestamp.micros(at)),
                        ])
                ]
                    + DomainEventSQL.insert(
                        [
                            DomainEvent(
                                idempotencyKey: "benefit.used:" + eventID, brand: brand, member: member,
                                name: "benefit.used", properties: properties, at: at)
                        ], group: group, idPrefix: eventID, dialect: dialect))
        case .written:
            return .done(usedList)
        }
    }

    /// The start of the member's current tier period (periods are one year long).
    private var periodStart: Date? {
        tier.flatMap { program.calendar.date(byAdding: .year, value: -1, to: $0.periodEnd) }
    }

    private func effective(_ counts: [String: Int64]) -> [MemberBenefit] {
        var list: [MemberBenefit] = []
        if let tier, let level = program.tiers?.levels.first(where: { $0.code == tier.code }) {
            for (index, benefit) in level.benefits.enumerated() {
                let id = "tier:\(level.code):\(index)"
                list.append(
                    MemberBenefit(
                        id: id, benefit: benefit, source: "tier", validFrom: periodStart, validUntil: tier.periodEnd,
                        usesLeft: benefit.uses.map { max(0, $0 - (counts[id] ?? 0)) }))
            }
        }
        for var grant in granted {
            grant.usesLeft = grant.benefit.uses.map { max(0, $0 - (counts[grant.id] ?? 0)) }
            list.append(grant)
        }
        return list
    }
}
