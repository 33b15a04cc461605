import Foundation
import PropertyBased
import Testing
import TesseraCore
import TesseraDomain

/// Two evaluators, one meaning: for random rules over random members, the SQL compiled for a full
/// computation and the in-memory evaluator of the real-time path select the same members, on
/// SQLite and on PostgreSQL — and the facts the real-time path loads are the facts that were stored.
@Suite("Segment rules: SQL and in-memory agree")
struct SegmentDifferentialTests {
    /// 09:30 in Shanghai on 24 November 2099 (01:30 UTC): local days differ from UTC days. Far in the
    /// future so that the loyalty calendar passes other tests run over the shared PostgreSQL database
    /// (coupons and points lots due by the real clock) never touch these members' coupons and lots.
    static let context = EvaluationContext(
        now: Int64(4_099_167_000) * 1_000_000, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)

    /// ``context``'s now as a date.
    static let now = Date(timeIntervalSince1970: TimeInterval(context.now / 1_000_000))

    struct Population {
        let tenant: Tenant
        /// Live members of the brand, by id: the only ones a rule may select.
        let eligible: [String: MemberFacts]

        var store: SQLTesseraStore { tenant.store }
        var group: GroupID { tenant.principal.groupID }
        var brand: BrandID { tenant.principal.brandID }
    }

    static func populate(_ backend: Backend, seed: UInt64, members: Int, sliceMembers: Int = 50_000) async throws
        -> Population
    {
        let tenant = try await Tenant.make(try await backend.makeStore(sliceMembers: sliceMembers))
        let group = tenant.principal.groupID
        let brand = tenant.principal.brandID
        let other = Brand(id: BrandID(TenantIDGenerator().next()), groupID: group, code: "o", name: "Other")
        try await tenant.store.createBrand(other, at: Date())
        var fixtures = SegmentFixtures(seed: seed, context: context)
        var eligible: [String: MemberFacts] = [:]
        for index in 0..<members {
            let facts = fixtures.facts(id: String(format: "m%04d", index))
            // One in ten belongs to another brand only, one in ten was merged away: never selected.
            let role = index % 10
            try await SegmentFixtureWriter.write(
                facts, group: group, brand: role == 1 ? other.id : brand, inBrand: true,
                mergedInto: role == 2 ? "m0000" : nil, store: tenant.store)
            if role != 1 && role != 2 { eligible[facts.id] = facts }
        }
        return Population(tenant: tenant, eligible: eligible)
    }

    /// Counts here are made in slices wherever SQLite would cut a large group
    /// (``SegmentSQL/countsInSlices(_:group:brand:context:dialect:)``), so the slices must add up too.
    @Test(arguments: Backend.allCases)
    func sqlAndMemoryAgree(backend: Backend) async throws {
        let population = try await Self.populate(backend, seed: 7, members: 60, sliceMembers: 1)
        let (store, group, brand) = (population.store, population.group, population.brand)

        // The real-time path reads back exactly what was stored.
        var loaded: [String: MemberFacts] = [:]
        for (id, stored) in population.eligible {
            let facts = try await store.memberFacts(group: group, brand: brand, member: MemberID(id), needs: .all)
            #expect(facts.map(Self.normalised) == Self.normalised(stored), "facts of \(id)")
            loaded[id] = facts
        }
        #expect(try await store.memberFacts(group: group, brand: brand, member: MemberID("m0002"), needs: .all) == nil)
        let foreign = try await store.memberFacts(group: group, brand: brand, member: MemberID("m0001"), needs: .all)
        #expect(foreign?.inBrand == false, "m0001 belongs to another brand only")
        // Read all at once, the facts are the same as read one by one.
        let everyone = (0..<60).map { MemberID(String(format: "m%04d", $0)) }
        let batch = try await store.memberFacts(group: group, brand: brand, members: everyone, needs: .all)
        #expect(batch[MemberID("m0002")] == nil)
        for (id, stored) in population.eligible {
            #expect(batch[MemberID(id)].map(Self.normalised) == Self.normalised(stored), "batched facts of \(id)")
        }

        let evaluator = SegmentEvaluator(context: Self.context)
        var selectedSome = 0
        var selectedNone = 0
        await propertyCheck(count: 250, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var fixtures = SegmentFixtures(seed: seed, context: Self.context)
            let rule = fixtures.rule()
            let expected = Set(loaded.filter { evaluator.matches(rule, $0.value) }.keys)
            do {
                let selected = try await store.members(
                    matching: rule, group: group, brand: brand, context: Self.context, after: nil, limit: 1_000)
                let count = try await store.countMembers(
                    matching: rule, group: group, brand: brand, context: Self.context)
                #expect(Set(selected.map(\.rawValue)) == expected, "rule \(rule.json.jsonText)")
                #expect(count == Int64(expected.count))
                // Cut anywhere, at a member's id, the slices add up to the whole.
                let cut = String(format: "m%04d", Int(seed % 64))
                let dialect = store.driver.dialect
                let halves = try await store.driver.runSlices([
                    SegmentSQL.count(
                        rule, group: group, brand: brand, context: Self.context, dialect: dialect, before: cut),
                    SegmentSQL.count(
                        rule, group: group, brand: brand, context: Self.context, dialect: dialect, from: cut),
                ])
                #expect(halves.map { $0.first?.int(0) ?? -1 }.reduce(0, +) == Int64(expected.count), "cut at \(cut)")
                // The estimate's per-member SQL over a sample: within the indexed buckets, half the
                // buckets or all of them.
                let buckets: Int64 = [1_000, 5_000, 10_000][Int(seed % 3)]
                try await Self.expectSample(
                    rule, buckets: buckets, store: store, population: population, expected: expected)
                // The real-time path loads only what the rule needs, from its horizon on: same verdicts.
                var needs = rule.needs
                (needs.eventsSince, needs.ordersSince) = rule.horizon(in: Self.context)
                let partial = try await store.memberFacts(group: group, brand: brand, members: everyone, needs: needs)
                let realTime = Set(partial.filter { $0.value.inBrand && evaluator.matches(rule, $0.value) }.keys)
                #expect(Set(realTime.map(\.rawValue)) == expected, "horizon-limited facts, rule \(rule.json.jsonText)")
                if expected.isEmpty { selectedNone += 1 } else if expected.count < loaded.count { selectedSome += 1 }
            } catch {
                Issue.record("rule \(rule.json.jsonText) failed on \(backend): \(error)")
            }
        }
        // The generator must produce rules that discriminate, or the agreement means little.
        #expect(selectedSome > 100, "only \(selectedSome) of 250 rules selected a proper subset")
        #expect(selectedNone < 150)
    }

    /// Every ready template, with parameters from the fixtures' value domains, compiles to SQL both
    /// databases run and selects what the in-memory evaluator selects.
    @Test(arguments: Backend.allCases)
    func templatesAgree(backend: Backend) async throws {
        #expect(SegmentTemplate.all.count > 20)
        #expect(Set(SegmentTemplate.all.map(\.group)) == Set(SegmentTemplate.Group.allCases))
        let population = try await Self.populate(backend, seed: 3, members: 60)
        let samples: [String: JSONValue] = [
            "category": .string("milk"), "bought": .string("milk"), "notBought": .string("diaper"),
            "city": .string("Shanghai"), "store": .string("S1"), "guide": .string("G1"), "tier": .string("gold"),
            "tag": .string("vip"), "event": .string("view"), "cartEvent": .string("cart"),
            "orderEvent": .string("share"),
            "channel": .string("web"), "amount": .number(20_000), "times": .number(1), "points": .number(500),
        ]
        var discriminating = 0
        for template in SegmentTemplate.all {
            var given: [String: JSONValue] = [:]
            for parameter in template.parameters { given[parameter.name] = samples[parameter.name] }
            let rule = try template.rule(given)
            #expect(try SegmentRuleParser.parse(rule.json) == rule, "\(template.id)")
            if try await Self.expectAgreement(rule, population, template.id) { discriminating += 1 }
        }
        #expect(discriminating > 15, "only \(discriminating) templates selected a proper subset")
    }

    /// Every comparison of every count and sum the SQL computes set-based (with its "any?" and
    /// "none?" shortcuts), against thresholds around the values the members really have.
    @Test(arguments: Backend.allCases)
    func everyCountTestAgrees(backend: Backend) async throws {
        let population = try await Self.populate(backend, seed: 5, members: 60)
        for op in ComparisonOperator.allCases {
            for value: Int64 in [-1, 0, 1, 2, 3] {
                let test = NumberTest(op, value)
                let rules: [SegmentRule] = [
                    .event(EventCondition(EventMatcher(name: "view"), count: test)),
                    .event(EventCondition(EventMatcher(name: "cart"), window: .lastDays(30), count: test)),
                    .purchase(PurchaseCondition(measure: .count(test))),
                    .purchase(PurchaseCondition(category: "milk", window: .lastDays(90), measure: .count(test))),
                    .purchase(PurchaseCondition(channel: "web", measure: .amount(NumberTest(op, value * 10_000)))),
                    .pointsExpiring(days: 30, NumberTest(op, value * 100)),
                    .score("engagement", NumberTest(op, value * 20)),
                ]
                for rule in rules { try await Self.expectAgreement(rule, population, rule.json.jsonText) }
            }
        }
    }

    /// Conditions on tables keyed by member — tags, segments, stages, RFM groups, scores, points lots —
    /// after the list that drives a rule's top `and` (its first list) are probed per member on SQLite
    /// (``SegmentSQL``); the driver itself, a rule without a list, and `and`s under `or`/`not` keep
    /// lists. Every shape, in either order, selects what the in-memory evaluator selects, and SQLite's
    /// statement probes exactly when a list drives it.
    @Test(arguments: Backend.allCases)
    func memberTablesBesideADrivingListAgree(backend: Backend) async throws {
        let population = try await Self.populate(backend, seed: 11, members: 60)
        let (group, brand) = (population.group, population.brand)
        let drivers: [SegmentRule] = [
            .purchase(
                PurchaseCondition(
                    category: "milk", window: .lastDays(90), measure: .count(NumberTest(.greaterOrEqual, 1)))),
            .event(EventCondition(EventMatcher(name: "view", channel: "web"), count: NumberTest(.greaterOrEqual, 1))),
        ]
        let keyed: [SegmentRule] = [
            .tag("vip"), .not(.tag("new")), .segment("s1"), .lifecycle(model: "aipl", stage: "interest"),
            .rfm(.champions), .score("engagement", NumberTest(.greaterOrEqual, 40)),
            .score("engagement", NumberTest(.less, 40)), .pointsExpiring(days: 30, NumberTest(.greater, 0)),
            .pointsExpiring(days: 60, NumberTest(.greaterOrEqual, 150)),
            .not(.pointsExpiring(days: 30, NumberTest(.greater, 0))),
        ]
        for driver in drivers {
            for condition in keyed {
                for rule in [
                    SegmentRule.and([condition, driver]), .and([driver, condition]),
                    .or([.and([driver, condition]), .tag("lapsed")]), .not(.and([driver, condition])),
                ] {
                    try await Self.expectAgreement(rule, population, rule.json.jsonText)
                }
            }
        }
        let statement = { (rule: SegmentRule) in
            SegmentSQL.count(rule, group: group, brand: brand, context: Self.context, dialect: .sqlite).sql
        }
        let probesTags = { (rule: SegmentRule) in statement(rule).contains("EXISTS (SELECT 1 FROM member_tags") }
        #expect(probesTags(.and([drivers[0], .tag("vip")])))
        #expect(probesTags(.and([.tag("new"), .tag("vip")])), "the first list drives, the second is probed")
        #expect(!probesTags(.and([.tag("vip"), drivers[0]])), "the first list drives, whatever its table")
        #expect(!probesTags(.and([.compare(FieldComparison(.field(.gender), .textIn(["f"]))), .tag("vip")])))
        #expect(!probesTags(.or([.and([drivers[0], .tag("vip")])])))
    }

    /// PostgreSQL joins the events of a top `and`'s first "did E at all" condition and groups by
    /// member (``SegmentSQL``): each member still counts once, in counts, lists and pages, wherever the
    /// condition stands and whatever else the rule asks — including other event conditions, which
    /// keep their own `events e` inside their `EXISTS`.
    @Test(arguments: Backend.allCases)
    func aJoinedEventConditionCountsEachMemberOnce(backend: Backend) async throws {
        let population = try await Self.populate(backend, seed: 5, members: 60)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let viewed = SegmentRule.event(
            EventCondition(EventMatcher(name: "view"), count: NumberTest(.greaterOrEqual, 1)))
        let viewedOnWeb = SegmentRule.event(
            EventCondition(
                EventMatcher(name: "view", channel: "web"), window: .lastDays(90), count: NumberTest(.greater, 0)))
        let viewedTwice = SegmentRule.event(
            EventCondition(EventMatcher(name: "view"), count: NumberTest(.greaterOrEqual, 2)))
        let women = SegmentRule.compare(FieldComparison(.field(.gender), .textIn(["f"])))
        let rules: [SegmentRule] = [
            .and([viewed]), .and([viewed, women]), .and([women, viewed]), .and([viewedOnWeb, .not(viewedTwice)]),
            .and([viewed, viewedOnWeb, .tag("vip")]), .and([women, viewedTwice]), .and([viewed, .not(viewed)]),
        ]
        let evaluator = SegmentEvaluator(context: Self.context)
        let viewers = population.eligible.values.filter { facts in facts.events.filter { $0.name == "view" }.count >= 2
        }
        #expect(viewers.count >= 5, "members with several matching events, whom a join would repeat")
        for rule in rules {
            let label = rule.json.jsonText
            let expected = Set(population.eligible.filter { evaluator.matches(rule, $0.value) }.keys)
            let count = try await store.countMembers(matching: rule, group: group, brand: brand, context: Self.context)
            #expect(count == Int64(expected.count), "\(label)")
            let listed = try await store.members(
                matching: rule, group: group, brand: brand, context: Self.context, after: nil, limit: 1_000)
            #expect(listed.map(\.rawValue) == expected.sorted(), "\(label): each member once, in order")
            var paged: [String] = []
            while true {
                let page = try await store.members(
                    matching: rule, group: group, brand: brand, context: Self.context,
                    after: paged.last.map { MemberID($0) },
                    limit: 7)
                paged += page.map(\.rawValue)
                if page.count < 7 { break }
            }
            #expect(paged == expected.sorted(), "\(label): pages")
        }
        let joins = { (rule: SegmentRule, dialect: SQLDialect) in
            SegmentSQL.count(rule, group: group, brand: brand, context: Self.context, dialect: dialect).sql
                .contains("FROM members m JOIN events e ON e.member_id = m.id")
        }
        #expect(joins(.and([women, viewed]), .postgres))
        #expect(!joins(.and([women, viewedTwice]), .postgres), "a count beyond \"any\" stays a grouped list")
        #expect(!joins(.or([viewed, women]), .postgres), "only a top and joins")
        #expect(!joins(.and([women, viewed]), .sqlite), "SQLite reads its event summaries instead")
    }

    /// "Did E within a window open at one end" and "did E n times", which SQLite answers from the
    /// members' event summaries (first and last time, count) and PostgreSQL from the events: at
    /// windows starting or ending exactly on a member's first or last such event, and one
    /// microsecond either side, both select what the in-memory evaluator selects.
    @Test(arguments: Backend.allCases)
    func eventSummariesAgreeOnTheirEdges(backend: Backend) async throws {
        let population = try await Self.populate(backend, seed: 7, members: 60)
        let edges = population.eligible.values.flatMap { facts in
            let times = facts.events.filter { $0.name == "view" }.map(\.occurredAt)
            return [times.min(), times.max()].compactMap { $0 }
        }
        let instants = Set(edges.sorted().enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
            .flatMap { [$0 - 1, $0, $0 + 1] }
        var discriminating = 0
        for instant in instants.sorted() {
            for window in [TimeWindow.between(from: instant, to: nil), .between(from: nil, to: instant)] {
                for test in [NumberTest(.greaterOrEqual, 1), NumberTest(.equal, 0), NumberTest(.greaterOrEqual, 2)] {
                    let rule = SegmentRule.event(
                        EventCondition(EventMatcher(name: "view"), window: window, count: test))
                    if try await Self.expectAgreement(rule, population, rule.json.jsonText) { discriminating += 1 }
                }
            }
        }
        #expect(discriminating > 20, "only \(discriminating) rules selected a proper subset")
    }

    /// The exact SQL, and the sampled estimate's, select the members the in-memory evaluator accepts.
    /// Returns whether the rule selected some of the eligible members but not all.
    @discardableResult
    static func expectAgreement(_ rule: SegmentRule, _ population: Population, _ label: String) async throws -> Bool {
        let (group, brand) = (population.group, population.brand)
        let evaluator = SegmentEvaluator(context: context)
        let expected = Set(population.eligible.filter { evaluator.matches(rule, $0.value) }.keys)
        let selected = try await population.tenant.store.members(
            matching: rule, group: group, brand: brand, context: context, after: nil, limit: 1_000)
        #expect(Set(selected.map(\.rawValue)) == expected, "\(label)")
        try await expectSample(
            rule, buckets: 10_000, store: population.tenant.store, population: population, expected: expected)
        return !expected.isEmpty && expected.count < population.eligible.count
    }

    /// The sampled estimate's SQL — every condition probed per member, only members in buckets
    /// `0..<buckets` — finds exactly the eligible members in those buckets, and those of `expected`.
    static func expectSample(
        _ rule: SegmentRule, buckets: Int64, store: SQLTesseraStore, population: Population, expected: Set<String>
    ) async throws {
        let (group, brand) = (population.group, population.brand)
        let inSample = { (id: String) in SegmentEstimate.bucket(of: MemberID(id)) < buckets }
        let sample = try await store.sampleMembers(
            matching: rule, group: group, brand: brand, context: context, buckets: 0..<buckets)
        #expect(sample.sampled == Int64(population.eligible.keys.filter(inSample).count), "\(rule.json.jsonText)")
        #expect(sample.matching == Int64(expected.filter(inSample).count), "per member: \(rule.json.jsonText)")
    }

    /// Collections in a canonical order: the database returns rows in its own order.
    static func normalised(_ facts: MemberFacts) -> MemberFacts {
        var facts = facts
        facts.events.sort { ($0.occurredAt, $0.name, $0.channel) < ($1.occurredAt, $1.name, $1.channel) }
        facts.lots.sort { ($0.expiresAt ?? 0, $0.remaining) < ($1.expiresAt ?? 0, $1.remaining) }
        facts.coupons.sort { ($0.validFrom, $0.validUntil, $0.status) < ($1.validFrom, $1.validUntil, $1.status) }
        facts.orders.sort { ($0.placedAt, $0.paidMinor) < ($1.placedAt, $1.paidMinor) }
        return facts
    }
}

@Suite("Segment rules: JSON")
struct SegmentRuleJSONTests {
    /// Every rule the generator makes survives a trip through its JSON text and the strict parser.
    @Test func roundTrip() async {
        await propertyCheck(count: 500, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var fixtures = SegmentFixtures(seed: seed, context: SegmentDifferentialTests.context)
            let rule = fixtures.rule()
            let text = rule.json.jsonText
            do {
                let parsed = try SegmentRuleParser.parse(try JSONParser.parse(Array(text.utf8)))
                #expect(parsed == rule, "\(text)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }
}
