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
    /// Rendered named values (WeChat template data).
    public var fields: [String: String]
    /// The body is HTML (its template's `html`).
    public var html: Bool
    /// Where the member can be reached.
    public var recipient: MessageRecipient
    /// Attempts before this one.
    public var attempts: Int
    public var createdAt: Date

    public init(
        group: GroupID, id: String, key: String, journeyID: String, node: String, member: MemberID, brandID: BrandID,
        channel: String, configuration: ChannelConfiguration?, template: String, subject: String?, body: String?,
        fields: [String: String] = [:], html: Bool = false, recipient: MessageRecipient = MessageRecipient(),
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
        self.fields = fields
        self.html = html
        self.recipient = recipient
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// What a delivery attempt came to.
public enum DeliveryOutcome: Sendable, Hashable {
    case delivered
    /// Try again later (a timeout, a 5xx, a 429).
    case retry(detail: String)
    /// Never retried: failed for `reason` (`provider_error` for a 4xx or a missing configuration,
    /// `no_contact` when the member has no address on the channel…).
    case reject(DeliveryFailure, detail: String)
}
