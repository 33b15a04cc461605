import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Behaviour scores and lifecycle stages on both databases: the full pass stores exactly what the
/// pure ``MemberDerivation`` derives from the member's facts, a second pass changes nothing, each
/// stage move is announced once even when two passes race, segments on stages follow, and deleting
/// a definition removes its values.
@Suite("Scores and lifecycles on SQLite and PostgreSQL")
struct ScoreContractTests {
    static let context = SegmentDifferentialTests.context

    static let score = ScoreModel(
        name: "engagement",
        rules: [
            ScoreRule(
                event: EventMatcher(name: "view"), points: 3, cap: 12, window: .lastDays(30),
                decay: ScoreRule.Decay(everyDays: 7, percent: 50)),
            ScoreRule(event: EventMatcher(name: "cart", channel: "wechat"), points: 10),
            ScoreRule(event: EventMatcher(name: "share"), points: -4, cap: 6),
        ], minimum: -5)
    static let lifecycle = LifecycleModel(
        name: "aipl",
        stages: [
            .init(name: "loyal", rule: .and([.score("engagement", NumberTest(.greaterOrEqual, 10)), .tag("vip")])),
            .init(name: "interest", rule: .tag("engaged")),
            .init(name: "aware", rule: .event(EventCondition(EventMatcher(name: "view")))),
        ])

    /// A rule tag on the fresh score and a behaviour tag from the `page` property of views.
    static let tags = [
        TagDefinition(
            name: "engaged", category: .interaction, kind: .rule,
            derivation: .rule(.score("engagement", NumberTest(.greater, 0)))),
        TagDefinition(
            name: "pages", category: .interaction, kind: .behaviour,
            derivation: .behaviour(
                BehaviourTagging(
                    event: EventMatcher(name: "view"), property: "page", prefix: "page:", window: .lastDays(40)))),
    ]

    @Test(arguments: Backend.allCases)
    func passesStoreWhatTheDomainDerivesOnce(backend: Backend) async throws {
        let population = try await SegmentDifferentialTests.populate(backend, seed: 3, members: 40)
        let (store, group, brand) = (population.store, population.group, population.brand)
        let at = SegmentDifferentialTests.now
        let segments = SegmentService(store: store)
        let derived = DerivedStateService(store: store, segments: segments)
        let loyal = try await segments.create(
            name: "Loyal", kind: .dynamic, rule: .lifecycle(model: "aipl", stage: "loyal"), group: group, brand: brand,
            at: at)

        #expect(try await derived.save(Self.score, group: group, brand: brand, at: at).created)
        for tag in Self.tags { _ = try await derived.define(tag, group: group, brand: brand, at: at) }
        let (created, _) = try await derived.save(Self.lifecycle, group: group, brand: brand, at: at)
        #expect(created)
        let scoring = MemberDerivation(
            scores: [Self.score], tags: Self.tags, lifecycles: [Self.lifecycle],
            context: try await segments.context(group: group, brand: brand, at: at))
        let ids = population.eligible.keys.sorted().map { MemberID($0) }
        let stored = try await store.memberFacts(group: group, brand: brand, members: ids, needs: scoring.needs)
        var expectedLoyal: Set<MemberID> = []
        var moved = 0
        for (id, facts) in population.eligible {
            let derived = scoring.derive(facts)
            let member = try #require(stored[MemberID(id)])
            #expect(member.scores == derived.scores, "\(id)")
            #expect(member.tags == derived.tags, "\(id)")
            #expect(member.derivedTags == derived.derivedTags, "\(id)")
            // The fixture's own stages of models not defined here ("life") are left alone by design:
            // only defined models are derived.
            #expect(member.stages["aipl"] == derived.stages["aipl"], "\(id)")
            if derived.stages["aipl"] == "loyal" { expectedLoyal.insert(MemberID(id)) }
            if facts.stages["aipl"] != derived.stages["aipl"] { moved += 1 }
        }
        #expect(!expectedLoyal.isEmpty)
        let tagged = population.eligible.values.map { scoring.derive($0).derivedTags }
        #expect(tagged.contains { $0["pages"]?.count == 2 } && tagged.contains { $0["engaged"] != nil })
        let catalogue = try await store.tags(group: group, brand: brand)
        #expect(catalogue.map(\.definition).filter { $0.derivation != nil } == Self.tags)
        await #expect(throws: TesseraError.self) {
            try await store.changeTag(
                "engaged", adding: true, members: [MemberID(population.eligible.keys.sorted()[0])], group: group,
                brand: brand, source: "manual", actor: "t", at: at)
        }
        #expect(Set(population.eligible.values.compactMap { scoring.derive($0).stages["aipl"] }).count >= 2)
        let members = try await store.segmentMembers(group: group, segment: loyal.id, after: nil, limit: 1_000)
        #expect(Set(members) == expectedLoyal)

        // A second pass finds nothing to change; each move was announced once.
        #expect(try await derived.recompute(group: group, brand: brand, at: at) == 0)
        var announced = 0
        for id in ids {
            let timeline = try await store.timeline(group: group, member: id, before: nil, limit: 500)
            announced += timeline.entries.filter { $0.name == "lifecycle.changed" }.count
        }
        #expect(announced == moved)
        let withPages = try #require(population.eligible.first { scoring.derive($0.value).derivedTags["pages"] != nil })
        let history = try await store.tagHistory(group: group, brand: brand, member: MemberID(withPages.key), limit: 50)
        #expect(
            Set(history.filter { $0.source == "behaviour" && $0.action == "added" }.map(\.tag))
                == scoring.derive(withPages.value).derivedTags["pages"])

        // Two passes that read the same stage race: only one move applies and is announced.
        let racer = try #require(ids.first)
        let current = try #require(try await store.memberFacts(group: group, brand: brand, member: racer, needs: .all))
        let move = DerivedStateChange(
            member: racer, scores: [:],
            moves: [.init(model: "aipl", from: current.stages["aipl"], to: "racing")])
        let first = try await store.applyDerivedChanges([move], tagSources: [:], group: group, brand: brand, at: at)
        let second = try await store.applyDerivedChanges([move], tagSources: [:], group: group, brand: brand, at: at)
        #expect(first == [racer] && second.isEmpty)

        // Deleting a definition removes every member's values of it.
        try await derived.deleteTag("pages", group: group, brand: brand, actor: "test", at: at)
        let afterDelete = try await store.memberFacts(group: group, brand: brand, members: ids, needs: scoring.needs)
        #expect(afterDelete.values.allSatisfy { $0.derivedTags["pages"] == nil && !$0.tags.contains("page:a") })
        try await derived.delete(kind: .score, name: "engagement", group: group, brand: brand, at: at)
        try await derived.delete(kind: .lifecycle, name: "aipl", group: group, brand: brand, at: at)
        let statistics = try await store.scoreStatistics(group: group, brand: brand)
        #expect(statistics.scores["engagement"] == nil && statistics.stages["aipl"] == nil)
        #expect(try await store.segmentMembers(group: group, segment: loyal.id, after: nil, limit: 10).isEmpty)
        await #expect(throws: TesseraError.self) {
            try await derived.delete(kind: .score, name: "engagement", group: group, brand: brand, at: at)
        }
    }
}
