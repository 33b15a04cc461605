/// Deterministic OneID resolution of one incoming record (SPEC §2). Pure: the caller looks up
/// who owns each identifier and applies the returned ``Resolution``.
///
/// Rules:
/// 1. Blocklisted identifiers are ignored for matching and never attached.
/// 2. The record belongs to the owner of its highest-priority matched identifier, preferring a
///    registered owner over a prospect; with no match, to a new member.
/// 3. Other owners that are prospects are absorbed when the union stays within the per-type limits.
///    Other registered owners are never merged automatically: a merge candidate is recorded.
/// 4. Unowned identifiers are attached while the member is under the per-type limit.
public struct IdentityResolver: Sendable {
    public var policy: IdentityPolicy

    public init(policy: IdentityPolicy = .default) { self.policy = policy }

    /// Resolves `incoming` against the current owners.
    /// - Parameter owner: the member owning an identifier, or `nil` when it is unowned.
    public func resolve(
        _ incoming: some Sequence<Identifier>, owner: (Identifier) -> MemberIdentityState?
    ) -> Resolution {
        var rejected: [RejectedIdentifier] = []
        var usable: [Identifier] = []
        for identifier in policy.ordered(Set(incoming)) {
            if policy.blocklist.contains(identifier) {
                rejected.append(RejectedIdentifier(identifier: identifier.description, reason: .blocked))
            } else {
                usable.append(identifier)
            }
        }

        var owners: [MemberIdentityState] = []
        var firstIdentifierOf: [MemberID: Identifier] = [:]
        var unowned: [Identifier] = []
        for identifier in usable {
            if let state = owner(identifier) {
                if firstIdentifierOf[state.id] == nil {
                    firstIdentifierOf[state.id] = identifier
                    owners.append(state)
                }
            } else {
                unowned.append(identifier)
            }
        }

        let primary = owners.first(where: \.registered) ?? owners.first
        var counts = primary?.identifierCounts ?? [:]
        var absorb: [MemberID] = []
        var candidates: [MergeCandidateProposal] = []
        if let primary {
            for other in owners where other.id != primary.id {
                let shared = firstIdentifierOf[other.id].map(\.description) ?? ""
                if !other.registered, fitsLimits(counts, adding: other.identifierCounts) {
                    absorb.append(other.id)
                    counts.merge(other.identifierCounts, uniquingKeysWith: +)
                } else {
                    let reason =
                        other.registered && primary.registered
                        ? "both registered members claim \(shared)"
                        : "absorbing the prospect would exceed an identifier limit"
                    candidates.append(
                        MergeCandidateProposal(member: primary.id, other: other.id, identifier: shared, reason: reason))
                    rejected.append(RejectedIdentifier(identifier: shared, reason: .ownedByOtherMember))
                }
            }
        }

        var attach: [Identifier] = []
        for identifier in unowned {
            if counts[identifier.type, default: 0] < policy.limit(for: identifier.type) {
                attach.append(identifier)
                counts[identifier.type, default: 0] += 1
            } else {
                rejected.append(RejectedIdentifier(identifier: identifier.description, reason: .limitReached))
            }
        }

        let target: Resolution.Target
        if let primary {
            target = .existing(primary.id)
        } else {
            target = attach.isEmpty ? .none : .new
        }
        return Resolution(target: target, attach: attach, absorb: absorb, candidates: candidates, rejected: rejected)
    }

    private func fitsLimits(_ counts: [IdentifierType: Int], adding other: [IdentifierType: Int]) -> Bool {
        other.allSatisfy { type, count in counts[type, default: 0] + count <= policy.limit(for: type) }
    }
}
