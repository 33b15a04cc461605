/// A typed identifier: `EntityID<MemberTag>` and `EntityID<BrandTag>` cannot be mixed up.
///
/// The raw value is an opaque string (a time-ordered UUID for rows Tessera creates).
public struct EntityID<Tag>: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum GroupTag {}
public enum BrandTag {}
public enum StoreTag {}
public enum StaffTag {}
public enum MemberTag {}
public enum OrderTag {}
public enum EventTag {}
public enum APIKeyTag {}

public typealias GroupID = EntityID<GroupTag>
public typealias BrandID = EntityID<BrandTag>
public typealias StoreID = EntityID<StoreTag>
public typealias StaffID = EntityID<StaffTag>
public typealias MemberID = EntityID<MemberTag>
public typealias OrderID = EntityID<OrderTag>
public typealias EventID = EntityID<EventTag>
public typealias APIKeyID = EntityID<APIKeyTag>
