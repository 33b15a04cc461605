import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Segment rules")
struct SegmentRuleTests {
    /// 09:30 in Shanghai on 24 November 2026 is 01:30 UTC.
    static let shanghai = EvaluationContext(
        now: Int64(1_795_483_800) * 1_000_000, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)

    static func parse(_ text: String) throws -> SegmentRule {
        try SegmentRuleParser.parse(try JSONParser.parse(Array(text.utf8)))
    }

    static func error(_ text: String) -> FieldError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as FieldError {
            return error
        } catch {
            return FieldError(path: "?", reason: "\(error)")
        }
    }

    @Test func lastDaysStartAtLocalMidnight() {
        // Today and the six days before, in Shanghai: from 18 November 00:00 +08:00 = 17 November 16:00 UTC.
        let bounds = TimeWindow.lastDays(7).bounds(in: Self.shanghai)
        let expected: Int64 = (1_795_478_400 - 6 * 86_400 - 8 * 3_600) * 1_000_000
        #expect(bounds.from == expected)
        #expect(bounds.to == nil)
        // In UTC the same instant is still 24 November, so the window starts at 18 November 00:00 UTC.
        let utc = EvaluationContext(now: Self.shanghai.now, timeZone: .gmt)
        let utcStart: Int64 = (1_795_478_400 - 6 * 86_400) * 1_000_000
        #expect(TimeWindow.lastDays(7).bounds(in: utc).from == utcStart)
    }

    @Test func birthdaysFollowTheLocalCalendar() {
        #expect(Self.shanghai.birthdayKeys(days: 1) == ["11-24"])
        #expect(
            Self.shanghai.birthdayKeys(days: 8) == [
                "11-24", "11-25", "11-26", "11-27", "11-28", "11-29", "11-30", "12-01",
            ])
        // 28 February 2027 (not a leap year) also greets those born on 29 February.
        let february = EvaluationContext(now: Int64(1_803_772_800) * 1_000_000, timeZone: .gmt)
        #expect(february.birthdayKeys(days: 2) == ["02-28", "02-29", "03-01"])
        var member = MemberFacts(id: "m")
        member.birthday = "1996-02-29"
        #expect(SegmentEvaluator(context: february).matches(.birthday(days: 1), member))
        member.birthday = "1996-03-02"
        #expect(!SegmentEvaluator(context: february).matches(.birthday(days: 2), member))
    }

    @Test func didAAndNotBWaitsForTheFollowUpWindowToClose() throws {
        let rule = try Self.parse(
            #"{"sequence": {"first": {"name": "cart"}, "then": {"name": "order"}, "withinHours": 24}}"#)
        let hour: Int64 = 3_600_000_000
        var member = MemberFacts(id: "m")
        let evaluator = SegmentEvaluator(context: Self.shanghai)
        member.events = [EventFact(name: "cart", channel: "web", occurredAt: Self.shanghai.now - 2 * hour)]
        #expect(!evaluator.matches(rule, member), "an hour-old cart is not yet abandoned")
        member.events = [EventFact(name: "cart", channel: "web", occurredAt: Self.shanghai.now - 30 * hour)]
        #expect(evaluator.matches(rule, member))
        member.events.append(EventFact(name: "order", channel: "web", occurredAt: Self.shanghai.now - 7 * hour))
        #expect(!evaluator.matches(rule, member), "ordered 23 hours after the cart")
    }

    /// The brand account (tier, balances, RFM group, follow status) is loaded only for rules that read
    /// it, and needs combined from several rules keep every collection any of them reads.
    @Test func rulesNeedTheBrandAccountOnlyWhenTheyReadIt() throws {
        for field in MemberField.allCases {
            let rule = try Self.parse(#"{"compare": {"field": "\#(field.rawValue)", "op": "missing"}}"#)
            #expect(rule.needs.account == MemberField.accountFields.contains(field), "\(field)")
        }
        #expect(try Self.parse(#"{"rfm": {"group": "champions"}}"#).needs.account)
        let cart = try Self.parse(#"{"compare": {"field": "cartQuantity", "op": ">=", "value": 1}}"#)
        let tier = try Self.parse(#"{"compare": {"field": "tier", "op": "=", "value": "gold"}}"#)
        let combined = SegmentRule.Needs.union([cart.needs, tier.needs])
        #expect(combined.cart && combined.account, "a union keeps the cart and the account")
        #expect(!SegmentRule.Needs.union([cart.needs]).account)
    }

    @Test func missingValuesAreFalseAndNotNegatesThem() throws {
        let evaluator = SegmentEvaluator(context: Self.shanghai)
        let member = MemberFacts(id: "m")
        let notShanghai = try Self.parse(#"{"compare": {"field": "city", "op": "!=", "value": "Shanghai"}}"#)
        #expect(!evaluator.matches(notShanghai, member), "a member without a city is not 'not in Shanghai'")
        #expect(evaluator.matches(.not(notShanghai), member))
        #expect(evaluator.matches(try Self.parse(#"{"compare": {"field": "city", "op": "missing"}}"#), member))
        #expect(evaluator.matches(.and([]), member))
        #expect(!evaluator.matches(.or([]), member))
    }

    @Test func purchasesCountValidOrdersAndMatchingLines() throws {
        let day: Int64 = 86_400_000_000
        var member = MemberFacts(id: "m")
        let milk = OrderItemFact(sku: "s1", category: "milk", quantity: 2, unitPriceMinor: 5_000)
        let diaper = OrderItemFact(sku: "s2", category: "diaper", quantity: 1, unitPriceMinor: 9_000)
        member.orders = [
            OrderFact(
                status: .paid, channel: "pos", store: "S1", paidMinor: 19_000, refundedMinor: 0,
                placedAt: Self.shanghai.now - 10 * day, paidAt: Self.shanghai.now - 10 * day, items: [milk, diaper]),
            OrderFact(
                status: .refunded, channel: "pos", store: "S1", paidMinor: 10_000, refundedMinor: 10_000,
                placedAt: Self.shanghai.now - 5 * day, paidAt: Self.shanghai.now - 5 * day, items: [milk]),
            OrderFact(
                status: .partiallyRefunded, channel: "web", store: nil, paidMinor: 10_000, refundedMinor: 4_000,
                placedAt: Self.shanghai.now - 100 * day, paidAt: Self.shanghai.now - 100 * day, items: [milk]),
        ]
        let evaluator = SegmentEvaluator(context: Self.shanghai)
        let twiceIn90 = try Self.parse(
            #"{"purchase": {"category": "milk", "window": {"lastDays": 90}, "count": {"op": ">=", "value": 2}}}"#)
        #expect(!evaluator.matches(twiceIn90, member), "the refunded order does not count")
        let everTwice = try Self.parse(#"{"purchase": {"category": "milk", "count": {"op": "=", "value": 2}}}"#)
        #expect(evaluator.matches(everTwice, member))
        let milkAmount = try Self.parse(#"{"purchase": {"category": "milk", "amount": {"op": "=", "value": 20000}}}"#)
        #expect(evaluator.matches(milkAmount, member), "matching lines: 2 × 5,000 twice")
        let netAmount = try Self.parse(#"{"purchase": {"amount": {"op": "=", "value": 25000}}}"#)
        #expect(evaluator.matches(netAmount, member), "19,000 + (10,000 − 4,000)")
    }

    @Test func parseErrorsNameThePath() {
        #expect(
            Self.error(#"{"and": [{"tag": "vip"}, {"compare": {"field": "cty", "op": "=", "value": "x"}}]}"#)?.path
                == "$.and[1].compare.field")
        #expect(Self.error(#"{"purchase": {"categroy": "milk"}}"#)?.path == "$.purchase.categroy")
        #expect(Self.error(#"{"compare": {"field": "city", "op": ">", "value": "x"}}"#)?.path == "$.compare.op")
        #expect(
            Self.error(#"{"compare": {"field": "orderCount", "op": ">", "value": 1.5}}"#)?.path == "$.compare.value")
        #expect(
            Self.error(#"{"event": {"name": "view", "count": {"op": "~", "value": 1}}}"#)?.path == "$.event.count.op")
        #expect(
            Self.error(#"{"event": {"name": "view", "window": {"lastDays": 0}}}"#)?.path == "$.event.window.lastDays")
        #expect(Self.error(#"{"event": {"name": "view", "where": {"a-b": "x"}}}"#)?.path == "$.event.where.a-b")
        #expect(Self.error(#"{"tag": "vip", "not": {"tag": "x"}}"#)?.path == "$")
        #expect(
            Self.error(#"{"sequence": {"first": {"name": "a"}, "then": {"name": "b"}}}"#)?.path
                == "$.sequence.withinHours")
        #expect(
            Self.error(#"{"compare": {"field": "lastOrderAt", "op": "within", "window": {"from": "yesterday"}}}"#)?.path
                == "$.compare.window.from")
        var deep = #"{"tag": "x"}"#
        for _ in 0..<20 { deep = #"{"not": \#(deep)}"# }
        #expect(Self.error(deep)?.reason.contains("levels") == true)
    }

    @Test func absoluteWindowsKeepTheOffsetAndMicroseconds() throws {
        let rule = try Self.parse(
            #"{"compare": {"field": "joinedAt", "op": "within", "window": {"from": "2026-01-01T00:00:00.000001+08:00"}}}"#
        )
        #expect(
            rule
                == .compare(FieldComparison(.field(.joinedAt), .within(.between(from: 1_767_196_800_000_001, to: nil))))
        )
    }
}

@Suite("Segment templates")
struct SegmentTemplateTests {
    @Test func parametersAreCheckedAndDefaulted() throws {
        let template = try #require(SegmentTemplate.named("cross-sell"))
        #expect(throws: FieldError(path: "$.parameters.bought", reason: "required: category bought")) {
            try template.rule(["notBought": .string("diapers")])
        }
        #expect(throws: FieldError.self) {
            try template.rule(["bought": .string("milk"), "notBought": .string("x"), "dayz": .number(3)])
        }
        #expect(throws: FieldError.self) {
            try template.rule(["bought": .string("milk"), "notBought": .string("x"), "days": .number(0)])
        }
        let rule = try template.rule(["bought": .string("milk"), "notBought": .string("diapers")])
        #expect(
            rule
                == .and([
                    .purchase(PurchaseCondition(category: "milk", window: .lastDays(180))),
                    .not(.purchase(PurchaseCondition(category: "diapers", window: .lastDays(180)))),
                ]))
        #expect(Set(SegmentTemplate.all.map(\.id)).count == SegmentTemplate.all.count)
    }
}

@Suite("Segment samples")
struct SegmentSampleTests {
    /// Reproducible, independent of row order, the requested size, and nested: a larger sample with
    /// the same seed contains the smaller one.
    @Test func samplesAreSeededStableAndNested() async {
        await propertyCheck(input: Gen.int(in: 0...300), Gen.int(in: 0...100), Gen.int64(in: 0...Int64.max)) {
            population, percent, seed in
            let ids = (0..<population).map { "member-\($0)" }
            let seed = UInt64(seed)
            let sample = SegmentSample.pick(ids, size: .percent(percent), seed: seed)
            #expect(sample.count == population * percent / 100)
            #expect(Set(sample).count == sample.count)
            #expect(SegmentSample.pick(ids.reversed(), size: .percent(percent), seed: seed) == sample)
            let larger = SegmentSample.pick(ids, size: .count(sample.count + 5), seed: seed)
            #expect(Set(sample).isSubset(of: Set(larger)))
        }
        let ids = (0..<1_000).map { "m\($0)" }
        #expect(
            SegmentSample.pick(ids, size: .count(10), seed: 1) != SegmentSample.pick(ids, size: .count(10), seed: 2))
    }
}
