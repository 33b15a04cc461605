import Foundation
import Testing
import TesseraDomain

@Suite("Journeys: definitions and the per-member machine")
struct JourneyTests {
    static func parse(_ text: String) throws -> JourneyDefinition {
        try JourneyParser.parse(try JSONParser.parse(Array(text.utf8)))
    }

    static func fault(_ text: String) -> FieldError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as FieldError { return error } catch { return nil }
    }

    static let cart = """
        {"entry": {"event": {"name": "Product Added", "unless": {"name": "Order Completed"}, "unlessHours": 24}},
         "start": "vip", "maximumEntries": 3, "reentryCooldownDays": 7,
         "nodes": {
           "vip": {"condition": {"rule": {"tag": "vip"}, "yes": "ab", "no": "remind"}},
           "ab": {"split": {"branches": [{"name": "A", "weight": 45, "next": "remind"},
                                         {"name": "B", "weight": 45, "next": "coupon"},
                                         {"name": "control", "weight": 10}]}},
           "remind": {"send": {"channel": "log", "template": "cart_reminder", "next": "bought"}},
           "coupon": {"tag": {"name": "cart_coupon", "next": "remind"}},
           "bought": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 3, "next": "won",
                                       "timeout": "end"}},
           "won": {"exit": {"goal": true}},
           "end": {"exit": {}}}}
        """

    @Test func definitionsParseAndFaultsNameTheirPath() throws {
        let definition = try Self.parse(Self.cart)
        #expect(definition.maximumEntries == 3 && definition.reentryCooldownSeconds == 7 * 86_400)
        #expect(definition.nodes.count == 7)
        let unreachable = Self.fault(
            #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"exit": {}}, "b": {"exit": {}}}}"#)
        #expect(unreachable?.path == "$.nodes.b")
        let dangling = Self.fault(
            #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"tag": {"name": "t", "next": "z"}}}}"#)
        #expect(dangling?.path == "$.nodes.a" && dangling?.reason.contains("z") == true)
        let spinning = Self.fault(
            """
            {"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {
              "a": {"tag": {"name": "t", "next": "b"}}, "b": {"condition": {"rule": {"tag": "t"}, "yes": "a", "no": "c"}},
              "c": {"exit": {}}}}
            """)
        #expect(spinning?.reason.contains("cycle") == true)
        // A cycle through a wait is a loop over time, which is allowed.
        _ = try Self.parse(
            """
            {"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {
              "a": {"send": {"channel": "log", "template": "t", "next": "w"}}, "w": {"wait": {"days": 7, "next": "c"}},
              "c": {"condition": {"rule": {"tag": "stop"}, "yes": "e", "no": "a"}}, "e": {"exit": {}}}}
            """)
        #expect(
            Self.fault(#"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"wait": {"next": "a"}}}}"#)?
                .path == "$.nodes.a.wait")
        #expect(
            Self.fault(#"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"exit": {"gaol": true}}}}"#)?
                .path == "$.nodes.a.exit.gaol")
        // Grants name exactly one thing; benefits are multipliers or discounts, for some days.
        func grant(_ body: String) -> FieldError? {
            Self.fault(
                #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"grant": {\#(body), "next": "e"}}, "e": {"exit": {}}}}"#
            )
        }
        #expect(grant(#""coupon": "C", "points": 5"#)?.path == "$.nodes.a.grant")
        #expect(grant(#""points": 0"#)?.path == "$.nodes.a.grant.points")
        #expect(grant(#""points": 5, "days": 3"#)?.path == "$.nodes.a.grant.days")
        #expect(
            grant(#""benefit": {"kind": "birthday_gift", "name": "Cake"}, "days": 3"#)?.path
                == "$.nodes.a.grant.benefit.kind")
        #expect(
            grant(#""benefit": {"kind": "discount_rate", "name": "VIP", "percent": 150}, "days": 3"#)?.path
                == "$.nodes.a.grant.benefit.percent")
        #expect(
            grant(#""benefit": {"kind": "discount_rate", "name": "VIP", "percent": 10}"#)?.path
                == "$.nodes.a.grant.days")
        #expect(grant(#""growth": 10, "budget": 0"#)?.path == "$.nodes.a.grant.budget")
        let granted = try Self.parse(
            #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"grant": {"benefit": {"kind": "discount_rate", "name": "VIP", "percent": 10}, "days": 3, "budget": 9, "next": "t"}}, "t": {"task": {"title": "Call", "next": "e"}}, "e": {"exit": {}}}}"#
        )
        let benefit = JourneyGrant.benefit(Benefit(kind: .discountRate, name: "VIP", percent: 10), days: 3)
        #expect(granted.nodes["a"] == .grant(benefit, budget: 9, next: "t"))
        #expect(granted.nodes["t"] == .task(title: "Call", dueHours: 48, next: "e"))
        #expect(
            JourneyGrant(json: benefit.json) == benefit && JourneyGrant(json: JourneyGrant.points(5).json) == .points(5)
        )
        #expect(
            Self.fault(
                #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"filter": {"message": "clicked", "of": "e", "next": "e"}}, "e": {"exit": {}}}}"#
            )?.path == "$.nodes.a.filter.of")
        #expect(
            Self.fault(
                #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"filter": {"message": "read", "of": "e", "next": "e"}}, "e": {"exit": {}}}}"#
            )?.path == "$.nodes.a.filter.message")
        #expect(
            JourneyFilter.MessageTest.notClicked.passes(
                JourneyMessageState(delivered: true, clicked: false, failed: false)))
        #expect(!JourneyFilter.MessageTest.notClicked.passes(nil) && !JourneyFilter.MessageTest.delivered.passes(nil))
        #expect(
            Self.fault(
                #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"task": {"title": "", "next": "a"}}}}"#
            )?
            .path == "$.nodes.a.task.title")
        #expect(
            Self.fault(
                #"{"entry": {"event": {"name": "x"}}, "start": "a", "nodes": {"a": {"condition": {"rule": {"tag": 1}, "yes": "a", "no": "a"}}}}"#
            )?.path == "$.nodes.a.condition.rule.tag")
        #expect(
            Self.fault(#"{"entry": {"event": {"name": "x"}}, "start": "q", "nodes": {"a": {"exit": {}}}}"#)?.path
                == "$.start")
    }

    @Test func aStepRunsUntilTheMemberWaitsOrLeaves() throws {
        let machine = JourneyMachine(
            definition: try Self.parse(Self.cart), context: EvaluationContext(now: 0, timeZone: .gmt))
        let hour: Int64 = 3_600_000_000
        let entered = JourneyRunState(node: "vip", since: 0, enteredAt: 0, entering: true)
        var member = MemberFacts(id: "m")
        // Inside the "unless" span nothing happens yet; an order within it excludes the member.
        #expect(
            machine.advance(from: entered, facts: member, now: hour, key: "k").next
                == .wait(
                    JourneyRunState(node: "vip", since: 24 * hour, enteredAt: 0, entering: true), due: 24 * hour))
        member.events = [EventFact(name: "Order Completed", channel: "web", occurredAt: 2 * hour)]
        #expect(
            machine.advance(from: entered, facts: member, now: 24 * hour, key: "k").next
                == .finished(node: "vip", .excluded))

        // Not a VIP: reminded, then waits three days for an order.
        member.events = []
        let step = machine.advance(from: entered, facts: member, now: 24 * hour, key: "k")
        #expect(
            step.actions == [
                .visit(node: "vip", branch: "no"), .visit(node: "remind", branch: nil),
                .send(node: "remind", channel: "log", template: "cart_reminder"),
            ])
        guard case .wait(let waiting, let due) = step.next else { Issue.record("expected a wait"); return }
        #expect(waiting.node == "bought" && due == waiting.since + 72 * hour)
        // An order during the wait continues at the goal; none by the deadline takes the timeout.
        member.events = [EventFact(name: "Order Completed", channel: "web", occurredAt: waiting.since + hour)]
        #expect(
            machine.advance(from: waiting, facts: member, now: waiting.since + 2 * hour, key: "k").next
                == .finished(node: "won", .goal))
        member.events = []
        #expect(
            machine.advance(from: waiting, facts: member, now: waiting.since + hour, key: "k").next
                == .wait(waiting, due: due))
        #expect(
            machine.advance(from: waiting, facts: member, now: due, key: "k").next == .finished(node: "end", .exited))
    }

    @Test func splitsFollowTheirWeightsAndDrawTheSameBranchAgain() throws {
        let branches = [
            JourneyBranch(name: "A", weight: 45, next: "a"), JourneyBranch(name: "B", weight: 45, next: "b"),
            JourneyBranch(name: "control", weight: 10, next: nil),
        ]
        var counts: [String: Int] = [:]
        let draws = 20_000
        for index in 0..<draws {
            let key = "journey-1|v1|member-\(index)|entry-\(index % 7)|ab"
            let branch = JourneyMachine.draw(branches, key: key)
            #expect(JourneyMachine.draw(branches, key: key) == branch)
            counts[branch.name, default: 0] += 1
        }
        // Binomial standard deviations at 20,000 draws are 0.35 % (45 %) and 0.21 % (10 %); allow four.
        for branch in branches {
            let share = Double(counts[branch.name] ?? 0) / Double(draws)
            let expected = Double(branch.weight) / 100
            let sigma = (expected * (1 - expected) / Double(draws)).squareRoot()
            #expect(abs(share - expected) < 4 * sigma, "\(branch.name): \(share)")
        }
    }

    @Test func quietHoursHoldOrDropAndCapsCountDeliveries() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let policy = try DeliveryPolicy.parse(
            try JSONParser.parse(
                Array(
                    #"{"caps": {"*": {"perWeek": 3}, "sms": {"perDay": 1}}, "quietHours": {"from": "21:00", "to": "09:00"}}"#
                        .utf8)),
            timeZone: shanghai)
        func micros(_ text: String) -> Int64 {
            Int64((ISO8601DateFormatter().date(from: text) ?? Date()).timeIntervalSince1970 * 1_000_000)
        }
        // 22:30 in Shanghai is quiet until 09:00 the next morning; 08:00 until 09:00 the same day.
        #expect(policy.quietUntil(micros("2026-11-24T14:30:00Z")) == micros("2026-11-25T01:00:00Z"))
        #expect(policy.quietUntil(micros("2026-11-24T00:00:00Z")) == micros("2026-11-24T01:00:00Z"))
        #expect(policy.quietUntil(micros("2026-11-24T01:00:00Z")) == nil)
        let noon = micros("2026-11-24T04:00:00Z")
        let hour: Int64 = 3_600_000_000
        #expect(policy.decide(channel: "sms", now: noon, sent: [:], quiet: .hold) == .deliver)
        #expect(
            policy.decide(channel: "sms", now: noon, sent: ["sms": [noon - hour]], quiet: .hold)
                == .suppress(.frequencyCapped))
        #expect(policy.decide(channel: "sms", now: noon, sent: ["sms": [noon - 25 * hour]], quiet: .hold) == .deliver)
        #expect(policy.decide(channel: "log", now: noon, sent: ["sms": [noon - hour]], quiet: .hold) == .deliver)
        let three = ["log": [noon - 30 * hour, noon - 50 * hour], "sms": [noon - 100 * hour]]
        #expect(policy.decide(channel: "log", now: noon, sent: three, quiet: .hold) == .suppress(.frequencyCapped))
        let night = micros("2026-11-24T15:00:00Z")
        #expect(
            policy.decide(channel: "log", now: night, sent: [:], quiet: .hold)
                == .holdUntil(micros("2026-11-25T01:00:00Z")))
        #expect(policy.decide(channel: "log", now: night, sent: [:], quiet: .drop) == .suppress(.quietHoursDropped))
        #expect(policy.decide(channel: "log", now: night, sent: [:], quiet: .ignore) == .deliver)
        #expect(
            (try? DeliveryPolicy.parse(
                try JSONParser.parse(Array(#"{"quietHours": {"from": "25:00", "to": "09:00"}}"#.utf8)),
                timeZone: shanghai)) == nil)

        // In a journey: held sends wait at their node; sends without consent are recorded, not made.
        let definition = try Self.parse(
            """
            {"entry": {"event": {"name": "x"}}, "start": "sms", "nodes": {
              "sms": {"send": {"channel": "sms", "template": "t", "next": "log"}},
              "log": {"send": {"channel": "log", "template": "t", "next": "end"}}, "end": {"exit": {}}}}
            """)
        #expect(JourneyMachine.consent(forKind: "sms") == "sms" && JourneyMachine.consent(forKind: "smtp") == "email")
        #expect(
            JourneyMachine.consent(forKind: "wecom-group") == "wechat"
                && JourneyMachine.consent(forKind: "webhook") == nil)
        let machine = JourneyMachine(
            definition: definition, context: EvaluationContext(now: night, timeZone: shanghai), policy: policy,
            consents: ["sms": "sms"])
        let state = JourneyRunState(node: "sms", since: night, enteredAt: night, entering: false)
        let member = MemberFacts(id: "m")
        let held = machine.advance(from: state, facts: member, now: night, key: "k")
        #expect(
            held.actions == [
                .visit(node: "sms", branch: "suppressed"),
                .suppress(node: "sms", channel: "sms", template: "t", reason: .noConsent),
            ])
        #expect(
            held.next
                == .wait(
                    JourneyRunState(
                        node: "log", since: micros("2026-11-25T01:00:00Z"), enteredAt: night, entering: false),
                    due: micros("2026-11-25T01:00:00Z")))
        var consenting = member
        consenting.consent = ["sms": true]
        let morning = micros("2026-11-25T01:00:00Z")
        let sent = machine.advance(
            from: JourneyRunState(node: "sms", since: morning, enteredAt: night, entering: false), facts: consenting,
            now: morning, key: "k")
        #expect(sent.actions.filter { if case .send = $0 { true } else { false } }.count == 2)
        #expect(sent.next == .finished(node: "end", .exited))
    }

    @Test func twoProportionTestMatchesTheTextbook() throws {
        let test = try #require(TwoProportionTest(conversions: 120, of: 1_000, controlConversions: 100, of: 1_000))
        #expect(abs(test.difference - 0.02) < 1e-12)
        #expect(abs(test.z - 1.4293) < 1e-3)
        #expect(abs(test.pValue - 0.1529) < 1e-3)
        #expect(abs(test.confidenceLow - -0.00741) < 1e-4 && abs(test.confidenceHigh - 0.04741) < 1e-4)
        #expect(!test.significant)
        let strong = try #require(TwoProportionTest(conversions: 300, of: 2_000, controlConversions: 100, of: 1_000))
        #expect(strong.significant && strong.pValue < 0.001)
        #expect(TwoProportionTest(conversions: 1, of: 0, controlConversions: 1, of: 10) == nil)
        let none = try #require(TwoProportionTest(conversions: 0, of: 10, controlConversions: 0, of: 10))
        #expect(none.pValue == 1 && none.z == 0)
    }

    @Test func recurringSchedulesFollowTheLocalCalendar() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        func micros(_ text: String) -> Int64 {
            Int64((ISO8601DateFormatter().date(from: text) ?? Date()).timeIntervalSince1970 * 1_000_000)
        }
        // 2026-11-24 is a Tuesday; 10:00 in Shanghai is 02:00 UTC.
        let now = micros("2026-11-24T03:00:00Z")
        #expect(
            JourneySchedule(every: .day, minute: 600).next(after: now, in: shanghai) == micros("2026-11-25T02:00:00Z"))
        // Exactly now is not "after now": the next one is tomorrow.
        #expect(
            JourneySchedule(every: .day, minute: 660).next(after: now, in: shanghai) == micros("2026-11-25T03:00:00Z"))
        #expect(
            JourneySchedule(every: .day, minute: 720).next(after: now, in: shanghai) == micros("2026-11-24T04:00:00Z"))
        #expect(
            JourneySchedule(every: .week(weekday: 1), minute: 600).next(after: now, in: shanghai)
                == micros("2026-11-30T02:00:00Z"))
        #expect(
            JourneySchedule(every: .week(weekday: 7), minute: 600).next(after: now, in: shanghai)
                == micros("2026-11-29T02:00:00Z"))
        #expect(
            JourneySchedule(every: .month(day: 1), minute: 570).next(after: now, in: shanghai)
                == micros("2026-12-01T01:30:00Z"))
        let parsed = try Self.parse(
            """
            {"entry": {"recurring": {"segment": "s", "every": "week", "weekday": 1, "time": "10:00"}}, "start": "e",
             "nodes": {"e": {"exit": {}}}}
            """)
        #expect(parsed.entry == .recurring(segment: "s", JourneySchedule(every: .week(weekday: 1), minute: 600)))
        #expect(
            Self.fault(
                #"{"entry": {"recurring": {"segment": "s", "every": "month", "day": 31, "time": "10:00"}}, "start": "e", "nodes": {"e": {"exit": {}}}}"#
            )?
            .path == "$.entry.recurring.day")
        #expect(
            Self.fault(
                #"{"entry": {"recurring": {"segment": "s", "every": "day", "time": "7:00"}}, "start": "e", "nodes": {"e": {"exit": {}}}}"#
            )?
            .path == "$.entry.recurring.time")
    }

    /// A template needs the cart or the brand account exactly when one of its texts names them.
    @Test func templatesNeedWhatTheyName() {
        let plain = MessageTemplate(name: "p", subject: "Hi {{member.name}}", body: "{{member.city}} {{brand}}")
        #expect(!plain.needs.cart && !plain.needs.account)
        for name in ["tier", "points", "growth", "storedValue"] {
            #expect(MessageTemplate(name: "t", body: "{{member.\(name)}}").needs.account, "\(name)")
            #expect(MessageTemplate(name: "t", subject: "{{member.\(name)}}", body: "").needs.account)
            #expect(MessageTemplate(name: "t", body: "", fields: ["a": "{{member.\(name)}}"]).needs.account)
        }
        let cart = MessageTemplate(name: "c", body: "{{#member.cart.items}}{{name}}{{/member.cart.items}}")
        #expect(cart.needs.cart && !cart.needs.account)
    }
}
