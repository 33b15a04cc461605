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
