/// What OneID needs to know about an existing member to resolve against it.
public struct MemberIdentityState: Sendable, Hashable {
    public var id: MemberID
    /// Registered members (会员) are never merged automatically; prospects (潜客) may be absorbed.
    public var registered: Bool
    public var identifierCounts: [IdentifierType: Int]

    public init(id: MemberID, registered: Bool, identifierCounts: [IdentifierType: Int]) {
        self.id = id
        self.registered = registered
        self.identifierCounts = identifierCounts
    }

    /// Whether the member holds a contact point (phone, e-mail, openid, unionid).
    public var hasContact: Bool {
        identifierCounts.contains { $0.key.isContact && $0.value > 0 }
    }
}
