/// The outcome of resolving one incoming record's identifiers (see ``IdentityResolver``).
public struct Resolution: Sendable, Hashable {
    /// Who the record belongs to.
    public enum Target: Sendable, Hashable {
        /// An existing member.
        case existing(MemberID)
        /// A new member (or prospect) with the attached identifiers.
        case new
        /// Nobody: every identifier was blocked or rejected, so the record stays anonymous.
        case none
    }

    public var target: Target
    /// Unowned identifiers to attach to the target.
    public var attach: [Identifier]
    /// Prospects to fold into the target (their identifiers, events and orders follow).
    public var absorb: [MemberID]
    /// Registered members that share an identifier with the target: recorded for review, never merged.
    public var candidates: [MergeCandidateProposal]
    /// Identifiers not attached, with the reason.
    public var rejected: [RejectedIdentifier]

    public init(
        target: Target, attach: [Identifier] = [], absorb: [MemberID] = [],
        candidates: [MergeCandidateProposal] = [], rejected: [RejectedIdentifier] = []
    ) {
        self.target = target
        self.attach = attach
        self.absorb = absorb
        self.candidates = candidates
        self.rejected = rejected
    }
}

/// A proposal to merge two members that share an identifier, for an operator to decide.
public struct MergeCandidateProposal: Sendable, Hashable, Codable {
    /// The member the record resolved to.
    public var member: MemberID
    /// The other member that owns `identifier`.
    public var other: MemberID
    public var identifier: String
    public var reason: String

    public init(member: MemberID, other: MemberID, identifier: String, reason: String) {
        self.member = member
        self.other = other
        self.identifier = identifier
        self.reason = reason
    }
}

/// An identifier that was not attached to the resolved member.
public struct RejectedIdentifier: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// On the group's blocklist.
        case blocked
        /// The member already holds the maximum number of identifiers of this type.
        case limitReached = "limit_reached"
        /// Owned by another registered member; a merge candidate was recorded instead.
        case ownedByOtherMember = "owned_by_other_member"
    }

    public var identifier: String
    public var reason: Reason

    public init(identifier: String, reason: Reason) {
        self.identifier = identifier
        self.reason = reason
    }
}
