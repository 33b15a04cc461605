public import Foundation
public import TesseraDomain

/// Something Tessera itself did to a member (`points.earned`, `tier.changed`, …), written into
/// the event stream in the same transaction as the change, so segments and journeys react to it
/// like to any tracked event. Stored with kind `loyalty` and channel `tessera`.
public struct DomainEvent: Sendable, Hashable {
    /// Unique per change (the entry's id), so a replayed change never emits twice.
    public var idempotencyKey: String
    public var brand: BrandID
    public var member: MemberID
    public var name: String
    public var properties: [String: JSONValue]
    public var at: Date

    public init(
        idempotencyKey: String, brand: BrandID, member: MemberID, name: String, properties: [String: JSONValue],
        at: Date
    ) {
        self.idempotencyKey = idempotencyKey
        self.brand = brand
        self.member = member
        self.name = name
        self.properties = properties
        self.at = at
    }

    /// The stream's kind for events Tessera emits.
    public static let kind = "loyalty"
    /// The stream's channel for events Tessera emits.
    public static let channel = "tessera"
}
