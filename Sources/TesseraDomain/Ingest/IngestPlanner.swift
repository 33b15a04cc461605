import Foundation

/// Turns a batch of messages into an ``IngestPlan``: OneID resolution for each message in order,
/// with later messages seeing the members and identifiers created by earlier ones.
///
/// Pure and deterministic for a given snapshot, id generator and input, so the same rules run
/// against SQLite, PostgreSQL and the in-memory model used by property tests.
public struct IngestPlanner: Sendable {
    public var resolver: IdentityResolver
    public var ids: any IDGenerator

    public init(resolver: IdentityResolver, ids: any IDGenerator) {
        self.resolver = resolver
        self.ids = ids
    }

    /// - Parameters:
    ///   - messages: validated messages in arrival order.
    ///   - snapshot: current owners of every identifier named in `messages`, and their states.
    ///   - knownKeys: idempotency keys already stored; those messages are reported as duplicates.
    public func plan(_ messages: [IngestMessage], snapshot: IdentitySnapshot, knownKeys: Set<String>) -> IngestPlan {
        var state = PlanningState(snapshot: snapshot, messages: messages.count)
        var plan = IngestPlan()
        var seenKeys = knownKeys
        seenKeys.reserveCapacity(knownKeys.count + messages.count)
        var memberOfMessage: [MemberID?] = []
        memberOfMessage.reserveCapacity(messages.count)
        plan.outcomes.reserveCapacity(messages.count)
        plan.events.reserveCapacity(messages.count)

        for message in messages {
            guard seenKeys.insert(message.idempotencyKey).inserted else {
                plan.outcomes.append(.duplicate)
                memberOfMessage.append(nil)
                continue
            }
            let resolution = resolver.resolve(message.identifiers) { identifier in
                state.owners[identifier].flatMap { state.members[$0] }
            }
            let member: MemberID?
            switch resolution.target {
            case .none:
                member = nil
            case .new:
                let id = MemberID(ids.next())
                state.createMember(id)
                member = id
            case .existing(let id):
                member = id
            }
            if let member {
                for identifier in resolution.attach { state.attach(identifier, to: member) }
                for prospect in resolution.absorb { state.absorb(prospect, into: member) }
                if message.registers { state.members[member]?.registered = true }
                state.deltas[member, default: MemberDelta()].record(message)
            }
            for candidate in resolution.candidates where !plan.candidates.contains(candidate) {
                plan.candidates.append(candidate)
            }
            plan.events.append(
                PlannedEvent(
                    id: EventID(ids.next()), idempotencyKey: message.idempotencyKey, member: member,
                    kind: message.kind, name: message.eventName, channel: message.channel,
                    brandID: message.brandID,
                    occurredAt: message.occurredAt, properties: message.properties, cart: message.cart))
            if let order = message.order {
                plan.orders.append((member, order, message.brandID))
            }
            plan.outcomes.append(.accepted(member: member))
            memberOfMessage.append(member)
        }

        // Members absorbed later in the batch hand everything to their survivor.
        let final = { (member: MemberID?) in member.map { state.survivor(of: $0) } }
        plan.newMembers = state.createdOrder.filter { state.created.contains($0) }
        plan.identifiers = state.pending.map { ($0.key, state.survivor(of: $0.value)) }.sorted { $0.0 < $1.0 }
        plan.merges = state.merges.map { (state.survivor(of: $0.survivor), $0.merged) }
        plan.candidates = plan.candidates.map { candidate in
            var candidate = candidate
            candidate.member = state.survivor(of: candidate.member)
            candidate.other = state.survivor(of: candidate.other)
            return candidate
        }.filter { $0.member != $0.other }
        for index in plan.events.indices { plan.events[index].member = final(plan.events[index].member) }
        for index in plan.orders.indices { plan.orders[index].member = final(plan.orders[index].member) }
        plan.outcomes = zip(plan.outcomes, memberOfMessage).map { outcome, member in
            if case .accepted = outcome { return .accepted(member: final(member)) }
            return outcome
        }
        // In place, then handed over whole: copying each delta out and in again retained and
        // released every table inside it.
        var index = state.deltas.startIndex
        while index != state.deltas.endIndex {
            let hasContact = state.members[state.deltas.keys[index]]?.hasContact ?? false
            state.deltas.values[index].hasContact = hasContact
            state.deltas.formIndex(after: &index)
        }
        plan.memberDeltas = state.deltas
        return plan
    }
}

/// The identity graph as the planner evolves it through a batch.
private struct PlanningState {
    var owners: [Identifier: MemberID]
    var members: [MemberID: MemberIdentityState]
    var deltas: [MemberID: MemberDelta] = [:]
    var pending: [Identifier: MemberID] = [:]
    var created: Set<MemberID> = []
    var createdOrder: [MemberID] = []
    var merges: [(survivor: MemberID, merged: MemberID)] = []
    var survivorOf: [MemberID: MemberID] = [:]

    /// Room for what a batch of `messages` can add, so that no table grows, and rehashes all it
    /// holds, while the batch is planned.
    init(snapshot: IdentitySnapshot, messages: Int) {
        owners = snapshot.owners
        members = snapshot.members
        let identifiers = messages * 2
        owners.reserveCapacity(owners.count + identifiers)
        members.reserveCapacity(members.count + messages)
        deltas.reserveCapacity(messages)
        pending.reserveCapacity(identifiers)
        created.reserveCapacity(messages)
        createdOrder.reserveCapacity(messages)
    }

    mutating func createMember(_ id: MemberID) {
        members[id] = MemberIdentityState(id: id, registered: false, identifierCounts: [:])
        created.insert(id)
        createdOrder.append(id)
    }

    mutating func attach(_ identifier: Identifier, to member: MemberID) {
        owners[identifier] = member
        pending[identifier] = member
        members[member]?.identifierCounts[identifier.type, default: 0] += 1
    }

    mutating func absorb(_ prospect: MemberID, into survivor: MemberID) {
        survivorOf[prospect] = survivor
        if let absorbed = members.removeValue(forKey: prospect) {
            members[survivor]?.identifierCounts.merge(absorbed.identifierCounts, uniquingKeysWith: +)
        }
        for (identifier, owner) in owners where owner == prospect { owners[identifier] = survivor }
        for (identifier, owner) in pending where owner == prospect { pending[identifier] = survivor }
        if let delta = deltas.removeValue(forKey: prospect) {
            deltas[survivor, default: MemberDelta()].absorb(delta)
        }
        if created.remove(prospect) == nil {
            merges.append((survivor, prospect))
        }
    }

    func survivor(of member: MemberID) -> MemberID {
        var current = member
        while let next = survivorOf[current] { current = next }
        return current
    }
}
