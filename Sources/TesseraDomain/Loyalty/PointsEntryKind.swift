/// Why a points ledger entry exists.
public enum PointsEntryKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Earned from an order, an event, a journey or granted by an operator.
    case earn
    /// Spent by the member.
    case redeem
    /// Lots reached their expiry.
    case expire
    /// An operator's correction, up or down.
    case adjust
    /// An order's points taken back on refund; what was already spent becomes debt.
    case clawBack = "claw_back"
    /// Moved in or out when two members were merged.
    case transfer
}

extension PointsEntryKind {
    /// The domain event an entry of this kind emits: `points.earned`, `points.clawed_back`, …
    public var eventName: String {
        switch self {
        case .earn: "points.earned"
        case .redeem: "points.redeemed"
        case .expire: "points.expired"
        case .adjust: "points.adjusted"
        case .clawBack: "points.clawed_back"
        case .transfer: "points.transferred"
        }
    }
}
