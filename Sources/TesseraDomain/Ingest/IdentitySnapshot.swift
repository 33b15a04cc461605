/// The part of the identity graph a batch touches: who owns each identifier named in the batch,
/// and the state of those owners. A store loads it in one or two queries per batch.
public struct IdentitySnapshot: Sendable, Hashable {
    public var owners: [Identifier: MemberID]
    public var members: [MemberID: MemberIdentityState]

    public init(owners: [Identifier: MemberID] = [:], members: [MemberID: MemberIdentityState] = [:]) {
        self.owners = owners
        self.members = members
    }
}

extension IdentitySnapshot {
    /// The owners whose state (registered, identifier counts) resolving `messages` can read: those
    /// of a message that names an identifier nobody owns yet, or identifiers of two or more
    /// members. A message whose identifiers all belong to one member resolves to that member
    /// whatever its state, so its owner needs no state unless another message needs it —
    /// ``unreadState(for:)`` stands in for it. The common case, a returning person, then skips
    /// loading the member's identifiers altogether.
    ///
    /// ```swift
    /// let needed = IdentitySnapshot.ownersNeedingState(owners: owners, messages: [[phone, openid]])
    /// ```
    public static func ownersNeedingState(owners: [Identifier: MemberID], messages: [[Identifier]]) -> Set<MemberID> {
        var needed: Set<MemberID> = []
        for identifiers in messages {
            var found: Set<MemberID> = []
            var unowned = false
            for identifier in identifiers {
                if let owner = owners[identifier] { found.insert(owner) } else { unowned = true }
            }
            if unowned || found.count > 1 { needed.formUnion(found) }
        }
        return needed
    }

    /// The state given to an owner that ``ownersNeedingState(owners:messages:)`` left out, so the
    /// planner still knows who owns its identifiers. Its `hasContact` reads false; the store keeps
    /// a member's stored contact flag (it only ever ORs the batch's flag into it).
    public static func unreadState(for member: MemberID) -> MemberIdentityState {
        MemberIdentityState(id: member, registered: false, identifierCounts: [:])
    }
}
