public import Foundation
public import TesseraDomain

/// One message a journey handed to a channel (or recorded as not sent, with the reason).
public struct JourneyMessage: Sendable, Hashable, Encodable {
    public var member: MemberID
    public var node: String
    public var channel: String
    public var template: String
    /// `delivered`, `queued` or `failed`.
    public var status: String
    public var reason: String?
    public var subject: String?
    public var body: String?
    public var createdAt: Date
    public var deliveredAt: Date?
    /// When the member first followed one of the message's tracked links.
    public var clickedAt: Date?
    /// Delivery attempts made, and the last one's error (a provider's answer) if it failed.
    public var attempts: Int
    public var error: String?

    public init(
        member: MemberID, node: String, channel: String, template: String, status: String, reason: String?,
        subject: String?, body: String?, createdAt: Date, deliveredAt: Date? = nil, clickedAt: Date? = nil,
        attempts: Int = 0, error: String? = nil
    ) {
        self.member = member
        self.node = node
        self.channel = channel
        self.template = template
        self.status = status
        self.reason = reason
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.clickedAt = clickedAt
        self.attempts = attempts
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case member = "memberId", node, channel, template, status, reason, subject, body, createdAt, deliveredAt,
            clickedAt,
            attempts, error
    }
}
