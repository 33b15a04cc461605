/// The kind of an ingested message. Segment's six call types plus a native member upsert.
public enum MessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    case identify, track, page, screen, group, alias
    /// `POST /api/v1/members`: registration or profile update through the native API.
    case member
    /// `POST /api/v1/orders`.
    case order
}
