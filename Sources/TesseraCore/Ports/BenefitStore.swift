public import Foundation
public import TesseraDomain

/// Benefits (权益, SPEC §4): per tier (from the programme) and granted to single members.
public protocol BenefitStore: Sendable {
    /// Grants `benefit` to the member for `[validFrom, validUntil)`; a used `idempotencyKey`
    /// returns the benefit granted first.
    func grantBenefit(
        _ benefit: Benefit, group: GroupID, brand: BrandID, member: MemberID, validFrom: Date, validUntil: Date?,
        idempotencyKey: String, at: Date
    ) async throws -> MemberBenefit
    /// Ends a granted benefit now (`benefit_not_found` if the member has no such grant).
    func revokeBenefit(id: String, group: GroupID, brand: BrandID, member: MemberID, at: Date) async throws
    /// What the member enjoys at `date`: their tier's benefits and their granted ones in force,
    /// with uses left.
    func memberBenefits(group: GroupID, brand: BrandID, member: MemberID, at date: Date) async throws
        -> [MemberBenefit]
    /// Uses one of a benefit with uses (a birthday gift, a free service) exactly once per
    /// `idempotencyKey`; refuses `benefit_not_found`, `benefit_used_up`, `benefit_has_no_uses`.
    func useBenefit(id: String, group: GroupID, brand: BrandID, member: MemberID, idempotencyKey: String, at: Date)
        async throws -> MemberBenefit
}
