/// What caused a points entry: an order, an event, a journey step, an operator or the expiry job.
///
/// `type` is one of `order`, `event`, `journey`, `operator`, `system`; `id` names the thing
/// (order id, event id, journey node, staff or key id) when there is one.
public struct PointsSource: Sendable, Hashable, Codable {
    public var type: String
    public var id: String?

    public init(type: String, id: String? = nil) {
        self.type = type
        self.id = id
    }

    public static let types: Set<String> = ["order", "event", "journey", "operator", "system"]
}
