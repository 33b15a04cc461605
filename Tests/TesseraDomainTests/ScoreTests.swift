import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Behaviour scores and lifecycles")
struct ScoreTests {
    static let context = SegmentRuleTests.shanghai
    static let day: Int64 = 86_400_000_000

    static func event(_ name: String, daysAgo: Int64, channel: String = "web") -> EventFact {
        EventFact(name: name, channel: channel, occurredAt: context.now - daysAgo * day)
    }

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func decayTakesItsPercentForEveryFullPeriodInIntegers() {
        let halving = ScoreRule.Decay(everyDays: 30, percent: 50)
        let ages: [Int64] = [-1, 0, 29, 30, 59, 60, 90, 120, 3_650]
        #expect(ages.map { halving.apply(to: 10, ageMicros: $0 * Self.day) } == [10, 10, 10, 5, 5, 2, 1, 0, 0])
        // Negative points fade toward zero too.
        #expect(halving.apply(to: -10, ageMicros: 60 * Self.day) == -2)
        #expect(ScoreRule.Decay(everyDays: 1, percent: 100).apply(to: 7, ageMicros: Self.day) == 0)
    }

    @Test func rulesCountMatchingEventsInTheirWindowUpToTheirCap() {
        let views = ScoreRule(
            event: EventMatcher(name: "view", channel: "web"), points: 2, cap: 5, window: .lastDays(30))
        let events = [
            Self.event("view", daysAgo: 1), Self.event("view", daysAgo: 2), Self.event("view", daysAgo: 40),
            Self.event("view", daysAgo: 3, channel: "app"), Self.event("cart", daysAgo: 1),
        ]
        #expect(views.contribution(events, context: Self.context) == 4)
        #expect(views.contribution(events + [Self.event("view", daysAgo: 5)], context: Self.context) == 5)
        let unfollow = ScoreRule(event: EventMatcher(name: "unfollow"), points: -30, cap: 40)
        let three = (0..<3).map { _ in Self.event("unfollow", daysAgo: 1) }
        #expect(unfollow.contribution(three, context: Self.context) == -40)
        let model = ScoreModel(name: "s", rules: [views, unfollow], minimum: 0, maximum: 100)
        #expect(model.value(of: events + three, context: Self.context) == 0)
        #expect(model.value(of: events, context: Self.context) == 4)
    }

    /// The order of events never matters; with positive points, one more matching event never
    /// lowers a rule's contribution, and the cap always holds.
    @Test func contributionsAreOrderFreeMonotoneAndCapped() async {
        let rule = ScoreRule(
            event: EventMatcher(name: "view"), points: 7, cap: 60, window: .lastDays(90),
            decay: ScoreRule.Decay(everyDays: 10, percent: 30))
        await propertyCheck(input: Gen.int64(in: 0...120).array(of: 0...40), Gen.int64(in: 0...120)) { ages, extra in
            let events = ages.map { Self.event("view", daysAgo: $0) }
            let value = rule.contribution(events, context: Self.context)
            #expect(value == rule.contribution(events.reversed(), context: Self.context))
            #expect(0 <= value && value <= 60)
            #expect(value <= rule.contribution(events + [Self.event("view", daysAgo: extra)], context: Self.context))
        }
    }

    @Test func aStageIsTheFirstWhoseRuleMatchesAndMayReadFreshScores() {
        let scoring = MemberDerivation(
            scores: [ScoreModel.presets["engagement"]].compactMap { $0 },
            lifecycles: [LifecycleModel.presets["aipl"]].compactMap { $0 }, context: Self.context)
        var member = MemberFacts(id: "m")
        member.times[.lastSeenAt] = Self.context.now - Self.day
        member.events = [Self.event("Product Added", daysAgo: 1), Self.event("Product Added", daysAgo: 2)]
        // 5 + 5 points: below the interest threshold, so aware.
        var derived = scoring.derive(member)
        #expect(derived.scores == ["engagement": 10])
        #expect(derived.stages == ["aipl": "aware"])
        member.events += [Self.event("Article Read", daysAgo: 0), Self.event("Product Added", daysAgo: 0)]
        member.events += (0..<4).map { _ in Self.event("Product Viewed", daysAgo: 0) }
        derived = scoring.derive(member)
        #expect(derived.scores == ["engagement": 26])
        #expect(derived.stages == ["aipl": "interest"])
        member.orders = [
            OrderFact(
                status: .paid, channel: "pos", store: nil, paidMinor: 100, refundedMinor: 0,
                placedAt: Self.context.now - Self.day, paidAt: nil, items: [])
        ]
        #expect(scoring.derive(member).stages == ["aipl": "purchase"])
        // Old behaviour fades out and leaves no stage when nothing matches.
        member = MemberFacts(id: "m")
        member.events = [Self.event("Product Added", daysAgo: 150)]
        derived = scoring.derive(member)
        #expect(derived.scores.isEmpty)
        #expect(derived.stages.isEmpty)
    }

    @Test func definitionsReadBackAndPresetsRoundTrip() throws {
        for model in ScoreModel.presets.values {
            #expect(try ScoreModel.parse(model.json, name: model.name) == model)
        }
        for model in LifecycleModel.presets.values {
            #expect(try LifecycleModel.parse(model.json, name: model.name) == model)
        }
        let text = """
            {"rules": [{"event": {"name": "view", "where": {"page": "sale"}}, "points": 3, "cap": 9,
            "window": {"lastDays": 30}, "decay": {"everyDays": 7, "percent": 25}}], "minimum": 0}
            """
        let model = try ScoreModel.parse(try Self.json(text), name: "s")
        #expect(
            model.rules == [
                ScoreRule(
                    event: EventMatcher(name: "view", properties: ["page": "sale"]), points: 3, cap: 9,
                    window: .lastDays(30), decay: ScoreRule.Decay(everyDays: 7, percent: 25))
            ])
        #expect(try ScoreModel.parse(model.json, name: "s") == model)
    }

    @Test func badDefinitionsNameTheFieldAtFault() throws {
        func scoreError(_ text: String) throws -> String? {
            let json = try Self.json(text)
            do {
                _ = try ScoreModel.parse(json, name: "s")
                return nil
            } catch { return error.path }
        }
        func lifecycleError(_ text: String) throws -> String? {
            let json = try Self.json(text)
            do {
                _ = try LifecycleModel.parse(json, name: "l")
                return nil
            } catch { return error.path }
        }
        #expect(try scoreError(#"{"rules": []}"#) == "$.rules")
        #expect(try scoreError(#"{"rules": [{"event": {"name": "v"}, "points": 0}]}"#) == "$.rules[0].points")
        #expect(try scoreError(#"{"rules": [{"event": {"name": "v"}, "points": 1, "capp": 2}]}"#) == "$.rules[0].capp")
        #expect(
            try scoreError(#"{"rules": [{"event": {"name": "v"}, "points": 1, "decay": {"everyDays": 7}}]}"#)
                == "$.rules[0].decay.percent")
        #expect(
            try scoreError(#"{"rules": [{"event": {"name": "v"}, "points": 1}], "minimum": 5, "maximum": 1}"#)
                == "$.maximum")
        let stage = #"{"name": "a", "rule": {"and": []}}"#
        #expect(try lifecycleError(#"{"stages": [\#(stage), \#(stage)]}"#) == "$.stages[1].name")
        #expect(
            try lifecycleError(#"{"stages": [{"name": "a", "rule": {"not": {"segment": "x"}}}]}"#)
                == "$.stages[0].rule")
        #expect(
            try lifecycleError(#"{"stages": [{"name": "a", "rule": {"or": [{"tagg": "x"}]}}]}"#)
                == "$.stages[0].rule.or[0].tagg")
        #expect(try lifecycleError(#"{"stages": [{"name": "a b", "rule": {"and": []}}]}"#) == "$.stages[0].name")
    }

    @Test func behaviourTagsComeFromPropertyValuesInTheirWindow() throws {
        let tagging = BehaviourTagging(
            event: EventMatcher(name: "view"), property: "category", prefix: "likes:", window: .lastDays(30))
        func view(_ value: JSONValue, daysAgo: Int64) -> EventFact {
            var event = Self.event("view", daysAgo: daysAgo)
            event.properties["category"] = value
            return event
        }
        let events = [
            view(.string("skincare"), daysAgo: 1), view(.string("skincare"), daysAgo: 2),
            view(.string("perfume"), daysAgo: 40), view(.number(3), daysAgo: 1), view(.string("a,b"), daysAgo: 1),
            view(.string(String(repeating: "x", count: 80)), daysAgo: 1), Self.event("cart", daysAgo: 1),
        ]
        #expect(tagging.tags(events, context: Self.context) == ["likes:skincare"])

        // A rule tag reads fresh scores; both kinds read back from their stored JSON.
        let definitions = [
            TagDefinition(
                name: "engaged", category: .interaction, kind: .rule,
                derivation: .rule(.score("s", NumberTest(.greaterOrEqual, 3)))),
            TagDefinition(name: "likes", category: .interaction, kind: .behaviour, derivation: .behaviour(tagging)),
        ]
        for definition in definitions {
            let derivation = try #require(definition.derivation)
            #expect(try TagDerivation.parse(kind: definition.kind, derivation.json) == derivation)
        }
        let scoring = MemberDerivation(
            scores: [ScoreModel(name: "s", rules: [ScoreRule(event: EventMatcher(name: "view"), points: 1)])],
            tags: definitions, lifecycles: [], context: Self.context)
        var member = MemberFacts(id: "m")
        member.events = events
        member.tags = ["manual", "likes:perfume"]
        member.derivedTags = ["likes": ["likes:perfume"]]
        let derived = scoring.derive(member)
        #expect(derived.tags == ["manual", "engaged", "likes:skincare"])
        #expect(derived.derivedTags == ["engaged": ["engaged"], "likes": ["likes:skincare"]])
        #expect(throws: FieldError.self) { try TagDerivation.parse(kind: .rule, .object(["segment": .string("x")])) }
    }
}
