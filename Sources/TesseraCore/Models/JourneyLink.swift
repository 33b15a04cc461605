/// A link of a journey message rewritten to pass through Tessera (`<base>/r/<token>`), so that a
/// click is recorded against the message before the member is redirected to `url`.
public struct JourneyLink: Sendable, Hashable {
    /// Derived from the message's idempotency key and the link's position, so a step written again
    /// produces the same tokens.
    public var token: String
    public var messageKey: String
    /// The link's place in the message (0, 1, …).
    public var position: Int
    public var url: String

    public init(token: String, messageKey: String, position: Int, url: String) {
        self.token = token
        self.messageKey = messageKey
        self.position = position
        self.url = url
    }
}
