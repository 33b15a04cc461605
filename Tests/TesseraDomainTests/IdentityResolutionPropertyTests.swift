import Foundation
import PropertyBased
import Testing
import TesseraDomain

/// Property tests of OneID over the pure planner, applied to an in-memory identity graph.
@Suite("OneID properties")
struct IdentityResolutionPropertyTests {
    /// Applies plans to a dictionary, the way a store does.
    struct Graph {
        var owners: [Identifier: MemberID] = [:]
        var registered: Set<MemberID> = []
        let planner = IngestPlanner(resolver: IdentityResolver(), ids: SequentialIDGenerator(prefix: "m"))

        /// What a store loads for `messages`: every owner's state.
        func snapshot(_ messages: [IngestMessage]) -> IdentitySnapshot {
            var snapshot = IdentitySnapshot()
            for identifier in Set(messages.flatMap(\.identifiers)) { snapshot.owners[identifier] = owners[identifier] }
            for member in Set(snapshot.owners.values) {
                var counts: [IdentifierType: Int] = [:]
                for (identifier, owner) in owners where owner == member { counts[identifier.type, default: 0] += 1 }
                snapshot.members[member] = MemberIdentityState(
                    id: member, registered: registered.contains(member), identifierCounts: counts)
            }
            return snapshot
        }

        mutating func ingest(_ messages: [IngestMessage]) {
            let plan = planner.plan(messages, snapshot: snapshot(messages), knownKeys: [])
            for merge in plan.merges {
                for (identifier, owner) in owners where owner == merge.merged { owners[identifier] = merge.survivor }
            }
            for (identifier, member) in plan.identifiers {
                #expect(owners[identifier] == nil, "an identifier was attached twice: \(identifier)")
                owners[identifier] = member
            }
            for (member, delta) in plan.memberDeltas where delta.registers { registered.insert(member) }
        }

        /// Identifiers grouped by member, independent of member ids.
        var partition: Set<Set<Identifier>> {
            Set(Dictionary(grouping: owners.keys) { owners[$0]! }.values.map(Set.init))
        }
    }

    /// Messages of a few people; every message of a person carries that person's user id, so
    /// inputs never conflict.
    static func messages(_ picks: [Int]) -> [IngestMessage] {
        picks.enumerated().map { index, pick in
            let person = pick % 5
            var identifiers = [try! Identifier.parse("external:person\(person)")]
            if pick % 3 == 0 { identifiers.append(try! Identifier.parse("anonymous:device\(person)-\(pick % 2)")) }
            if pick % 7 == 0 { identifiers.append(try! Identifier.parse("email:p\(person)@example.com")) }
            return IngestMessage(
                idempotencyKey: "k\(index)", kind: .track, identifiers: identifiers, registers: pick % 2 == 0,
                name: "x",
                channel: "web", occurredAt: .init(timeIntervalSince1970: Double(index)))
        }
    }

    @Test func resolutionIsOrderIndependentForNonConflictingInput() async {
        await propertyCheck(input: Gen.int(in: 0...1000).array(of: 1...30), Gen.int(in: 1...10)) { picks, batchSize in
            let ordered = Self.messages(picks)
            var forward = Graph()
            var backward = Graph()
            var chunked = Graph()
            forward.ingest(ordered)
            backward.ingest(ordered.reversed())
            for start in stride(from: 0, to: ordered.count, by: batchSize) {
                chunked.ingest(Array(ordered[start..<min(start + batchSize, ordered.count)]))
            }
            #expect(forward.partition == backward.partition)
            #expect(forward.partition == chunked.partition)
        }
    }

    @Test func noIdentifierEverMapsToTwoMembersUnderConflictingInput() async {
        await propertyCheck(input: Gen.int(in: 0...10_000).array(of: 1...40)) { picks in
            var graph = Graph()
            for chunk in stride(from: 0, to: picks.count, by: 4) {
                let messages = picks[chunk..<min(chunk + 4, picks.count)].enumerated().map { offset, pick in
                    let identifiers = [
                        try! Identifier.parse("external:u\(pick % 6)"),
                        try! Identifier.parse("anonymous:a\(pick % 4)"),
                        try! Identifier.parse(
                            "phone:1380000\(String(pick % 9).padding(toLength: 4, withPad: "0", startingAt: 0))"),
                    ].filter { _ in pick % 5 != offset }
                    return IngestMessage(
                        idempotencyKey: "k\(chunk)-\(offset)", kind: .track,
                        identifiers: identifiers.isEmpty ? [try! Identifier.parse("external:u0")] : identifiers,
                        registers: pick % 3 == 0, channel: "web", occurredAt: .init(timeIntervalSince1970: 0))
                }
                graph.ingest(messages)
            }
            // Every identifier has exactly one owner, and no member exceeds a per-type limit.
            let perMember = Dictionary(grouping: graph.owners.keys) { graph.owners[$0]! }
            for identifiers in perMember.values {
                for (type, ofType) in Dictionary(grouping: identifiers, by: \.type) {
                    #expect(ofType.count <= IdentityPolicy.default.limit(for: type))
                }
            }
            #expect(perMember.values.map(\.count).reduce(0, +) == graph.owners.count)
        }
    }

    /// Loading only the owners whose state resolution can read (an unread state for the rest, as the
    /// stores do) plans exactly what loading every owner plans — but for the contact flag of a
    /// member whose state was not read, which the stores OR into the stored one.
    @Test func planningNeedsOnlyTheStatesOfOwnersThatGainOrShareIdentifiers() async {
        let batch = Gen.int(in: 0...10_000).array(of: 1...12)
        await propertyCheck(input: batch.array(of: 1...4), batch) { history, picks in
            var graph = Graph()
            let messages = { (picks: [Int], round: Int) in
                picks.enumerated().map { offset, pick in
                    let identifiers = [
                        try! Identifier.parse("external:u\(pick % 7)"), try! Identifier.parse("anonymous:a\(pick % 5)"),
                        try! Identifier.parse("email:e\(pick % 4)@example.com"),
                    ].filter { _ in (pick / 7 + offset) % 4 != 0 }
                    return IngestMessage(
                        idempotencyKey: "k\(round)-\(offset)", kind: .track,
                        identifiers: identifiers.isEmpty
                            ? [try! Identifier.parse("external:u\(pick % 7)")] : identifiers,
                        registers: pick % 3 == 0, channel: "web", occurredAt: .init(timeIntervalSince1970: 0))
                }
            }
            for (round, picks) in history.enumerated() { graph.ingest(messages(picks, round)) }
            let next = messages(picks, history.count)
            let full = graph.snapshot(next)
            var pruned = IdentitySnapshot(owners: full.owners)
            let needed = IdentitySnapshot.ownersNeedingState(owners: full.owners, messages: next.map(\.identifiers))
            for owner in Set(full.owners.values) {
                pruned.members[owner] =
                    needed.contains(owner) ? full.members[owner] : IdentitySnapshot.unreadState(for: owner)
            }
            let plan = { (snapshot: IdentitySnapshot) in
                IngestPlanner(resolver: IdentityResolver(), ids: SequentialIDGenerator(prefix: "n"))
                    .plan(next, snapshot: snapshot, knownKeys: [])
            }
            let (expected, actual) = (plan(full), plan(pruned))
            #expect(actual.newMembers == expected.newMembers)
            #expect(
                actual.identifiers.map { "\($0.identifier)=\($0.member)" }
                    == expected.identifiers.map { "\($0.identifier)=\($0.member)" })
            #expect(
                actual.merges.map { "\($0.survivor)<\($0.merged)" }
                    == expected.merges.map { "\($0.survivor)<\($0.merged)" })
            #expect(actual.candidates == expected.candidates)
            #expect(actual.events == expected.events)
            #expect(actual.outcomes == expected.outcomes)
            #expect(Set(actual.memberDeltas.keys) == Set(expected.memberDeltas.keys))
            for (member, delta) in expected.memberDeltas {
                var stored = actual.memberDeltas[member]
                if !needed.contains(member) { stored?.hasContact = delta.hasContact }
                #expect(stored == delta, "delta of \(member)")
            }
        }
    }

    @Test func twoRegisteredMembersAreNeverMergedAutomatically() {
        var graph = Graph()
        let device = try! Identifier.parse("device:ipad")
        graph.ingest([
            IngestMessage(
                idempotencyKey: "1", kind: .track, identifiers: [try! Identifier.parse("external:a"), device],
                registers: true, channel: "pos", occurredAt: .init(timeIntervalSince1970: 0))
        ])
        graph.ingest([
            IngestMessage(
                idempotencyKey: "2", kind: .track, identifiers: [try! Identifier.parse("external:b")], registers: true,
                channel: "pos", occurredAt: .init(timeIntervalSince1970: 0))
        ])
        let plan = graph.planner.plan(
            [
                IngestMessage(
                    idempotencyKey: "3", kind: .track, identifiers: [try! Identifier.parse("external:b"), device],
                    registers: true, channel: "pos", occurredAt: .init(timeIntervalSince1970: 0))
            ],
            snapshot: IdentitySnapshot(
                owners: [
                    device: graph.owners[device]!,
                    try! Identifier.parse("external:b"): graph.owners[try! Identifier.parse("external:b")]!,
                ],
                members: Dictionary(
                    uniqueKeysWithValues: Set(graph.owners.values).map {
                        ($0, MemberIdentityState(id: $0, registered: true, identifierCounts: [:]))
                    })),
            knownKeys: [])
        #expect(plan.merges.isEmpty)
        #expect(plan.candidates.count == 1)
        #expect(plan.candidates.first?.identifier == "device:ipad")
    }
}
