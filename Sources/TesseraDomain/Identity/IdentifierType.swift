/// The kind of an identifier that can point at a member (SPEC §2). Extensible: any lower-case
/// token is a valid type; the well-known ones below get normalisation and default priorities.
///
/// Scoped types carry their scope in the value: `openid:<appid>:<openid>`,
/// `card:<channel>:<number>`, `buyer:<platform>:<buyer id>`, `wecom:<corpid>:<external_userid>`.
public struct IdentifierType: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Mobile or landline number, normalised to E.164 (`+8613800000000`).
    public static let phone = IdentifierType(rawValue: "phone")
    /// E-mail address, trimmed and lower-cased.
    public static let email = IdentifierType(rawValue: "email")
    /// WeChat unionid: one person across all apps of one WeChat open-platform account.
    public static let unionid = IdentifierType(rawValue: "unionid")
    /// WeChat openid, scoped by official-account or mini-program app id.
    public static let openid = IdentifierType(rawValue: "openid")
    /// Member card number, scoped by the issuing channel.
    public static let card = IdentifierType(rawValue: "card")
    /// Platform buyer id (Tmall, JD, Meituan…), scoped by platform.
    public static let buyer = IdentifierType(rawValue: "buyer")
    /// Id in an external CRM or the integrator's own user id (Segment `userId`).
    public static let external = IdentifierType(rawValue: "external")
    /// Anonymous id from a web or app SDK (Segment `anonymousId`). Weak.
    public static let anonymous = IdentifierType(rawValue: "anonymous")
    /// Device id. Weak.
    public static let device = IdentifierType(rawValue: "device")
    /// WeCom (企业微信) external contact id (`external_userid`), scoped by corp id: the member as a
    /// store guide's WeCom contact, which WeCom group messages are sent to.
    public static let wecom = IdentifierType(rawValue: "wecom")

    /// Types whose value is `scope:value`.
    public var isScoped: Bool { self == .openid || self == .card || self == .buyer || self == .wecom }

    /// Weak identifiers may be shared by several people (a store iPad, a family phone's app):
    /// they never merge two registered members automatically.
    public var isWeak: Bool { self == .anonymous || self == .device }

    /// A contact point, which makes a prospect a "prospect with contact".
    public var isContact: Bool {
        self == .phone || self == .email || self == .openid || self == .unionid || self == .wecom
    }
}
