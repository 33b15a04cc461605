public import Foundation

/// Profile fields sent with an identify or a member upsert. `nil` leaves a field unchanged;
/// a later patch wins field by field.
public struct ProfilePatch: Sendable, Hashable {
    public var name: String?
    /// `male`, `female`, `other` or `unknown`.
    public var gender: String?
    /// Calendar date `YYYY-MM-DD` (no time zone: a birthday is a calendar day).
    public var birthday: String?
    public var region: String?
    public var city: String?
    public var sourceChannel: String?
    public var homeStoreCode: String?
    public var guideCode: String?
    public var joinedAt: Date?
    /// Consent per channel (`sms`, `email`, `wechat`…): `true` given, `false` withdrawn.
    public var consent: [String: Bool]
    /// Custom attributes declared by the brand.
    public var attributes: [String: JSONValue]
    /// Every other trait, kept verbatim.
    public var traits: [String: JSONValue]

    public init(
        name: String? = nil, gender: String? = nil, birthday: String? = nil, region: String? = nil,
        city: String? = nil, sourceChannel: String? = nil, homeStoreCode: String? = nil, guideCode: String? = nil,
        joinedAt: Date? = nil, consent: [String: Bool] = [:], attributes: [String: JSONValue] = [:],
        traits: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.gender = gender
        self.birthday = birthday
        self.region = region
        self.city = city
        self.sourceChannel = sourceChannel
        self.homeStoreCode = homeStoreCode
        self.guideCode = guideCode
        self.joinedAt = joinedAt
        self.consent = consent
        self.attributes = attributes
        self.traits = traits
    }

    public static let genders: Set<String> = ["male", "female", "other", "unknown"]

    /// `other` applied on top of `self`.
    public func merging(_ other: ProfilePatch) -> ProfilePatch {
        ProfilePatch(
            name: other.name ?? name, gender: other.gender ?? gender, birthday: other.birthday ?? birthday,
            region: other.region ?? region, city: other.city ?? city,
            sourceChannel: other.sourceChannel ?? sourceChannel,
            homeStoreCode: other.homeStoreCode ?? homeStoreCode, guideCode: other.guideCode ?? guideCode,
            joinedAt: other.joinedAt ?? joinedAt,
            consent: consent.merging(other.consent) { $1 },
            attributes: attributes.merging(other.attributes) { $1 },
            traits: traits.merging(other.traits) { $1 })
    }

    /// Checks a `YYYY-MM-DD` birthday is a real calendar date.
    public static func isValidBirthday(_ text: String) -> Bool {
        guard CivilDate.day(of: text) != nil, let year = Int(text.prefix(4)) else { return false }
        return (1900...2100).contains(year)
    }
}
