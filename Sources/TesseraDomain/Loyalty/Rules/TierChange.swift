public import Foundation

/// A member moving between tiers, kept as tier history and emitted as `tier.changed`.
public struct TierChange: Sendable, Hashable, Codable {
    public var from: String?
    public var to: String
    /// `joined`, `upgrade`, `downgrade`.
    public var reason: String
    public var at: Date

    public init(from: String?, to: String, reason: String, at: Date) {
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}
