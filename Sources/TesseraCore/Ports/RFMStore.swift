public import Foundation
public import TesseraDomain

/// Purchases read for RFM and the scores written back (SPEC §5).
public protocol RFMStore: Sendable {
    /// Valid purchases of live members of `brand` — `(member, purchased at, paid − refunded)` — in
    /// member then order id order, after the `(member, order)` cursor: a member may span pages.
    func purchasePage(group: GroupID, brand: BrandID, after cursor: (member: String, order: String)?, limit: Int)
        async throws -> [(member: String, order: String, at: Int64, amountMinor: Int64)]
    /// Replaces the brand's scores with `scores` in one transaction.
    func replaceRFM(_ scores: [RFMScore], group: GroupID, brand: BrandID, at: Date) async throws
    /// Stored scores in member id order after `cursor`; with `identifierType`, each member's
    /// identifier value of that type (the smallest, if several).
    func rfmScores(group: GroupID, brand: BrandID, after cursor: String?, limit: Int, identifierType: String?)
        async throws -> [(score: RFMScore, identifier: String?)]
}
