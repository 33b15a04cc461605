/// Which touch an order is attributed to: the member's latest delivered message (`touch`, the
/// default) or their latest clicked one (`click`), within the window before the purchase.
public enum AttributionModel: String, Sendable, Hashable, CaseIterable, Encodable {
    case touch
    case click
}
