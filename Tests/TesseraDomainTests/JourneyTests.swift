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
}
