public import Foundation
public import TesseraDomain

/// A benefit a member enjoys now: from their tier (`id` = `tier:<code>:<index>`) or granted to them.
public struct MemberBenefit: Sendable, Hashable, Encodable {
    public var id: String
    public var benefit: Benefit
    /// `tier` or `granted`.
    public var source: String
    public var validFrom: Date?
    public var validUntil: Date?
    /// Uses left in the current period (tier) or in total (granted); `nil` for benefits without uses.
    public var usesLeft: Int64?

    public init(
        id: String, benefit: Benefit, source: String, validFrom: Date? = nil, validUntil: Date? = nil,
        usesLeft: Int64? = nil
    ) {
        self.id = id
        self.benefit = benefit
        self.source = source
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.usesLeft = usesLeft
    }
}
