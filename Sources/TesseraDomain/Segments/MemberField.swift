/// A field of the member a rule can compare: profile, aggregates kept current on write and
/// loyalty assets of the rule's brand. Names are the JSON names.
public enum MemberField: String, Sendable, Hashable, CaseIterable {
    // Profile
    case gender, city, region, sourceChannel, homeStore, guide, kind, registered, joinedAt
    // Aggregates over the group's valid purchases and events (kept current on write)
    case orderCount, totalSpend, averageOrderValue, repurchaseCycleDays, firstOrderAt, lastOrderAt
    case eventCount, firstSeenAt, lastSeenAt
    // Loyalty assets of the brand
    case tier, points, growth, storedValue, couponsHeld
    // Relationship with the brand: follow status of its official account (``FollowStatus``) and the
    // latest follow/unfollow time; the current cart's item count, value (minor units) and last change
    case followStatus, followChangedAt, cartQuantity, cartValue, cartUpdatedAt

    /// What kind of value the field holds, which decides the tests allowed on it.
    public enum ValueType: String, Sendable {
        case text, number, bool, time
    }

    /// The fields read from the brand account beside the member row — tier, balances, follow status —
    /// loaded only for what reads them (``SegmentRule/Needs/account``).
    public static let accountFields: Set<MemberField> = [
        .tier, .growth, .points, .storedValue, .followStatus, .followChangedAt,
    ]

    public var valueType: ValueType {
        switch self {
        case .gender, .city, .region, .sourceChannel, .homeStore, .guide, .kind, .tier, .followStatus: .text
        case .registered: .bool
        case .joinedAt, .firstOrderAt, .lastOrderAt, .firstSeenAt, .lastSeenAt, .followChangedAt, .cartUpdatedAt: .time
        case .orderCount, .totalSpend, .averageOrderValue, .repurchaseCycleDays, .eventCount, .points, .growth,
            .storedValue, .couponsHeld, .cartQuantity, .cartValue:
            .number
        }
    }
}

/// What a rule compares: a member field or a custom attribute (declared per brand, stored in the
/// member's `attributes`).
public enum ComparisonSubject: Sendable, Hashable {
    case field(MemberField)
    case attribute(String)
}

/// A test on one value. Any test of a missing value is false except ``missing``.
public enum FieldTest: Sendable, Hashable {
    /// Equal to one of the texts (`=` is a one-element list).
    case textIn([String])
    /// Present and different from every text (`!=`, `notIn`).
    case textNotIn([String])
    case number(NumberTest)
    /// Inclusive on both ends.
    case numberBetween(Int64, Int64)
    case bool(Bool)
    /// A time inside the window.
    case within(TimeWindow)
    /// A time earlier than the window's start ("last order before the last 30 days").
    case before(TimeWindow)
    case exists
    case missing
}

/// `subject test`, e.g. `city in [Shanghai, Hangzhou]`.
public struct FieldComparison: Sendable, Hashable {
    public var subject: ComparisonSubject
    public var test: FieldTest

    public init(_ subject: ComparisonSubject, _ test: FieldTest) {
        self.subject = subject
        self.test = test
    }
}
