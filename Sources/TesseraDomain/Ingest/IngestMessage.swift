public import Foundation

/// One validated, normalised message, whatever API it came through. The ingest planner works
/// only with these, so native and Segment-compatible ingest share every rule.
public struct IngestMessage: Sendable, Hashable {
    /// Replaying a message with the same key has no second effect (Segment `messageId`).
    public var idempotencyKey: String
    public var kind: MessageKind
    public var identifiers: [Identifier]
    /// The record comes from a registered user (a Segment `userId`, a native member upsert).
    public var registers: Bool
    /// Event name (`Order Completed`, a page name…); `nil` for identify.
    public var name: String?
    /// Where it happened: `web`, `miniprogram`, `pos`, `tmall`, `server`…
    public var channel: String
    public var brandID: BrandID?
    public var occurredAt: Date
    /// Stored verbatim with the event.
    public var properties: JSONValue
    public var profile: ProfilePatch?
    public var order: OrderInput?
    /// An add-to-cart or remove-from-cart event's line (``CartChange``).
    public var cart: CartChange?

    /// The name its event is recorded under: the given name, or for an order without one its status's
    /// (``OrderStatus/eventName``).
    public var eventName: String? { name ?? order?.status.eventName }

    public init(
        idempotencyKey: String, kind: MessageKind, identifiers: [Identifier], registers: Bool = false,
        name: String? = nil, channel: String, brandID: BrandID? = nil, occurredAt: Date,
        properties: JSONValue = .object([:]), profile: ProfilePatch? = nil, order: OrderInput? = nil,
        cart: CartChange? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.identifiers = identifiers
        self.registers = registers
        self.name = name
        self.channel = channel
        self.brandID = brandID
        self.occurredAt = occurredAt
        self.properties = properties
        self.profile = profile
        self.order = order
        self.cart = cart
    }
}
