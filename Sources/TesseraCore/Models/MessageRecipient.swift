public import TesseraDomain

/// Where a member can be reached, read when their message is claimed for delivery: contact
/// identifiers by type and the store guide who looks after them.
public struct MessageRecipient: Sendable, Hashable {
    public var name: String?
    /// Identifier values by type (`email` → `["ann@example.com"]`, `openid` → `["wx1:oAbc"]`), oldest first.
    public var contacts: [IdentifierType: [String]]
    /// The member's store guide (a staff code, which is also their WeCom user id).
    public var guide: String?

    public init(name: String? = nil, contacts: [IdentifierType: [String]] = [:], guide: String? = nil) {
        self.name = name
        self.contacts = contacts
        self.guide = guide
    }

    /// The member's first identifier of `type`; for scoped types the value within `scope` (without it).
    ///
    /// `recipient.address(.openid, scope: "wx1")` is `"oAbc"` for the identifier `openid:wx1:oAbc`.
    public func address(_ type: IdentifierType, scope: String? = nil) -> String? {
        let values = contacts[type] ?? []
        guard let scope else { return values.first }
        let prefix = scope + ":"
        return values.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The identifier types channels send to.
    public static let contactTypes: [IdentifierType] = [.email, .phone, .openid, .wecom]
}
