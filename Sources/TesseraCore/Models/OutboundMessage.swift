public import Foundation
public import TesseraDomain

/// A queued journey message claimed for delivery, with its channel's configuration.
public struct OutboundMessage: Sendable, Hashable {
    public var group: GroupID
    public var id: String
    /// The idempotency key receivers see, the same on every attempt.
    public var key: String
    public var journeyID: String
    public var node: String
    public var member: MemberID
    public var brandID: BrandID
    public var channel: String
    public var configuration: ChannelConfiguration?
    public var template: String
    public var subject: String?
    public var body: String?
    /// Attempts before this one.
    public var attempts: Int
    public var createdAt: Date

    public init(
        group: GroupID, id: String, key: String, journeyID: String, node: String, member: MemberID, brandID: BrandID,
        channel: String, configuration: ChannelConfiguration?, template: String, subject: String?, body: String?,
        attempts: Int, createdAt: Date
    ) {
        self.group = group
        self.id = id
        self.key = key
        self.journeyID = journeyID
        self.node = node
        self.member = member
        self.brandID = brandID
        self.channel = channel
        self.configuration = configuration
        self.template = template
        self.subject = subject
        self.body = body
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// What a delivery attempt came to.
public enum DeliveryOutcome: Sendable, Hashable {
    case delivered
    /// Try again later (a timeout, a 5xx, a 429).
    case retry(detail: String)
    /// Never retried (a 4xx, no configuration): failed with `provider_error`.
    case reject(detail: String)
}
