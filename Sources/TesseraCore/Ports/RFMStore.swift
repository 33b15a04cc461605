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
    /// The brand's RFM settings (defaults when never saved).
    func rfmSettings(group: GroupID, brand: BrandID) async throws -> RFMSettings
    func saveRFMSettings(_ settings: RFMSettings, group: GroupID, brand: BrandID, at: Date) async throws
    /// Claims the brand's scheduled run when it is scheduled and its last run started at or before
    /// `dueBefore`: a compare-and-set, so of several processes exactly one runs it.
    func claimRFMRun(group: GroupID, brand: BrandID, at: Date, dueBefore: Date) async throws -> Bool
}
