public import Foundation
public import TesseraDomain

/// The member 360 read model: profile, identities and aggregates kept current on write.
public struct MemberView: Sendable, Hashable, Codable {
    public var id: MemberID
    public var kind: CustomerKind
    /// `active`, or `merged` (then ``mergedInto`` names the survivor).
    public var status: String
    public var mergedInto: MemberID?
    public var profile: Profile
    public var identifiers: [String]
    public var brands: [BrandID]
    public var aggregates: Aggregates
    public var channels: [ChannelActivity]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: MemberID, kind: CustomerKind, status: String, mergedInto: MemberID?, profile: Profile,
        identifiers: [String], brands: [BrandID], aggregates: Aggregates, channels: [ChannelActivity],
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.mergedInto = mergedInto
        self.profile = profile
        self.identifiers = identifiers
        self.brands = brands
        self.aggregates = aggregates
        self.channels = channels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Profile fields (SPEC §3).
    public struct Profile: Sendable, Hashable, Codable {
        public var name: String?
        public var gender: String?
        public var birthday: String?
        public var region: String?
        public var city: String?
        public var sourceChannel: String?
        public var homeStore: String?
        public var guide: String?
        public var joinedAt: Date?
        public var consent: [String: Bool]
        public var attributes: JSONValue
        public var traits: JSONValue

        public init(
            name: String?, gender: String?, birthday: String?, region: String?, city: String?,
            sourceChannel: String?, homeStore: String?, guide: String?, joinedAt: Date?, consent: [String: Bool],
            attributes: JSONValue, traits: JSONValue
        ) {
            self.name = name
            self.gender = gender
            self.birthday = birthday
            self.region = region
            self.city = city
            self.sourceChannel = sourceChannel
            self.homeStore = homeStore
            self.guide = guide
            self.joinedAt = joinedAt
            self.consent = consent
            self.attributes = attributes
            self.traits = traits
        }
    }

    /// Behaviour and consumption aggregates. Money in minor units.
    public struct Aggregates: Sendable, Hashable, Codable {
        public var eventCount: Int64
        public var firstSeenAt: Date?
        public var lastSeenAt: Date?
        public var orderCount: Int64
        public var firstPurchaseAt: Date?
        public var lastPurchaseAt: Date?
        public var totalSpendMinor: Int64
        /// Integer division of total by count, rounded half up; 0 without orders.
        public var averageOrderMinor: Int64

        public init(
            eventCount: Int64, firstSeenAt: Date?, lastSeenAt: Date?, orderCount: Int64, firstPurchaseAt: Date?,
            lastPurchaseAt: Date?, totalSpendMinor: Int64
        ) {
            self.eventCount = eventCount
            self.firstSeenAt = firstSeenAt
            self.lastSeenAt = lastSeenAt
            self.orderCount = orderCount
            self.firstPurchaseAt = firstPurchaseAt
            self.lastPurchaseAt = lastPurchaseAt
            self.totalSpendMinor = totalSpendMinor
            self.averageOrderMinor = orderCount > 0 ? (2 * totalSpendMinor + orderCount) / (2 * orderCount) : 0
        }
    }

    public struct ChannelActivity: Sendable, Hashable, Codable {
        public var channel: String
        public var lastSeenAt: Date
        public init(channel: String, lastSeenAt: Date) {
            self.channel = channel
            self.lastSeenAt = lastSeenAt
        }
    }
}
