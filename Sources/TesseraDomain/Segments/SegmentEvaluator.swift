import Foundation

/// Evaluates a ``SegmentRule`` in memory against one member's ``MemberFacts``: the real-time path
/// (membership after an event, journey filters). ``SegmentSQL`` in `TesseraCore` compiles the same
/// rule for full computations; each branch here mirrors a branch there.
public struct SegmentEvaluator: Sendable {
    public var context: EvaluationContext

    public init(context: EvaluationContext) { self.context = context }

    /// Whether `member` satisfies `rule` (the brand population — ``MemberFacts/inBrand`` — is the
    /// caller's to check, as the SQL's `FROM` clause is).
    public func matches(_ rule: SegmentRule, _ member: MemberFacts) -> Bool {
        switch rule {
        case .and(let rules): return rules.allSatisfy { matches($0, member) }
        case .or(let rules): return rules.contains { matches($0, member) }
        case .not(let rule): return !matches(rule, member)
        case .compare(let comparison): return compare(comparison, member)
        case .event(let condition):
            let bounds = condition.window?.bounds(in: context) ?? .always
            let count = member.events.count { condition.matcher.matches($0) && bounds.contains($0.occurredAt) }
            return condition.count.holds(Int64(count))
        case .purchase(let condition): return purchase(condition, member)
        case .sequence(let condition): return sequence(condition, member)
        case .tag(let tag): return member.tags.contains(tag)
        case .segment(let id): return member.segments.contains(id)
        case .birthday(let days):
            guard let birthday = member.birthday else { return false }
            return context.birthdayKeys(days: days).contains(Self.monthDay(of: birthday))
        case .pointsExpiring(let days, let test):
            let end = context.now + Int64(days) * Self.microsPerDay
            let expiring = member.lots.reduce(Int64(0)) { sum, lot in
                guard lot.remaining > 0, let expiresAt = lot.expiresAt, expiresAt >= context.now, expiresAt < end
                else { return sum }
                return sum + lot.remaining
            }
            return test.holds(expiring)
        case .score(let name, let test): return test.holds(member.scores[name] ?? 0)
        case .lifecycle(let model, let stage): return member.stages[model] == stage
        case .rfm(let group): return member.rfmGroup == group
        }
    }

    static let microsPerDay: Int64 = 86_400_000_000

    /// Characters 6–10 of `YYYY-MM-DD`, as SQL's `substr(birthday, 6, 5)`.
    static func monthDay(of birthday: String) -> String { String(birthday.dropFirst(5).prefix(5)) }

    private func compare(_ comparison: FieldComparison, _ member: MemberFacts) -> Bool {
        let value: Value
        switch comparison.subject {
        case .field(let field): value = Self.value(of: field, member, now: context.now)
        case .attribute(let name):
            switch member.attributes[name] {
            case .string(let text): value = .text(text)
            case .number(let number): value = .decimal(number)
            case .bool(let flag): value = .bool(flag)
            case .array, .object: value = .other
            case .null, nil: value = .missing
            }
        }
        return test(comparison.test, value)
    }

    /// A value as a test sees it.
    enum Value {
        case text(String), number(Int64), decimal(Decimal), bool(Bool), time(Int64), other, missing
    }

    static func value(of field: MemberField, _ member: MemberFacts, now: Int64) -> Value {
        if field == .cartUpdatedAt { return member.cartUpdatedAt.map(Value.time) ?? .missing }
        switch field.valueType {
        case .text: return member.texts[field].map(Value.text) ?? .missing
        case .time: return member.times[field].map(Value.time) ?? .missing
        case .bool: return .bool(member.registered)
        case .number: break
        }
        switch field {
        case .orderCount: return .number(member.orderCount)
        case .totalSpend: return .number(member.totalSpend)
        case .eventCount: return .number(member.eventCount)
        case .points: return .number(member.points)
        case .growth: return .number(member.growth)
        case .storedValue: return .number(member.storedValue)
        case .couponsHeld: return .number(Int64(member.coupons.count { $0.isUsable(at: now) }))
        case .cartQuantity: return .number(member.cartQuantity)
        case .cartValue: return .number(member.cartValueMinor)
        case .averageOrderValue:
            return member.orderCount > 0 ? .number(member.totalSpend / member.orderCount) : .missing
        case .repurchaseCycleDays:
            guard member.orderCount >= 2, let first = member.times[.firstOrderAt], let last = member.times[.lastOrderAt]
            else { return .missing }
            return .number((last - first) / (member.orderCount - 1) / microsPerDay)
        default: return .missing
        }
    }

    private func test(_ test: FieldTest, _ value: Value) -> Bool {
        switch (test, value) {
        case (.missing, .missing): return true
        case (.missing, _): return false
        case (_, .missing): return false
        case (.exists, _): return true
        case (.textIn(let texts), .text(let text)): return texts.contains(text)
        case (.textNotIn(let texts), .text(let text)): return !texts.contains(text)
        case (.number(let numberTest), .number(let number)): return numberTest.holds(number)
        case (.number(let numberTest), .decimal(let number)):
            return numberTest.op.holds(number, Decimal(numberTest.value))
        case (.numberBetween(let low, let high), .number(let number)): return low <= number && number <= high
        case (.numberBetween(let low, let high), .decimal(let number)):
            return Decimal(low) <= number && number <= Decimal(high)
        case (.bool(let expected), .bool(let flag)): return expected == flag
        case (.within(let window), .time(let time)): return window.bounds(in: context).contains(time)
        case (.before(let window), .time(let time)):
            guard let start = window.bounds(in: context).from else { return false }
            return time < start
        default: return false
        }
    }

    private func purchase(_ condition: PurchaseCondition, _ member: MemberFacts) -> Bool {
        let bounds = condition.window?.bounds(in: context) ?? .always
        var count: Int64 = 0
        var amount: Int64 = 0
        for order in member.orders where order.isValidPurchase && bounds.contains(order.purchasedAt) {
            if let channel = condition.channel, order.channel != channel { continue }
            if let store = condition.store, order.store != store { continue }
            if condition.filtersItems {
                let lines = order.items.filter(condition.matches)
                guard !lines.isEmpty else { continue }
                amount += lines.reduce(0) { $0 + $1.quantity * $1.unitPriceMinor }
            } else {
                amount += order.paidMinor - order.refundedMinor
            }
            count += 1
        }
        switch condition.measure {
        case .count(let test): return test.holds(count)
        case .amount(let test): return test.holds(amount)
        }
    }

    private func sequence(_ condition: SequenceCondition, _ member: MemberFacts) -> Bool {
        let bounds = condition.window?.bounds(in: context) ?? .always
        let span = condition.seconds * 1_000_000
        let followUps = member.events.filter { condition.then.matches($0) }.map(\.occurredAt)
        return member.events.contains { first in
            guard condition.first.matches(first), bounds.contains(first.occurredAt),
                first.occurredAt + span <= context.now
            else { return false }
            let followed = followUps.contains { $0 >= first.occurredAt && $0 <= first.occurredAt + span }
            return followed == condition.thenHappened
        }
    }
}
