/// How OneID resolves identifiers for one group: priority, per-type limits and the blocklist.
///
/// ```swift
/// var policy = IdentityPolicy.default
/// policy.limits[.phone] = 1
/// policy.blocklist.insert(try Identifier.parse("device:store-ipad-01"))
/// ```
public struct IdentityPolicy: Sendable, Hashable, Codable {
    /// Highest first. Decides which member wins when an incoming record matches several.
    public var priority: [IdentifierType]
    /// At most this many identifiers of a type per member; extra ones are rejected, not attached.
    public var limits: [IdentifierType: Int]
    /// Identifiers that are never used for matching (shared store devices, test phones).
    public var blocklist: Set<Identifier>
    /// Limit for types not named in ``limits``.
    public var defaultLimit: Int

    public init(
        priority: [IdentifierType], limits: [IdentifierType: Int], blocklist: Set<Identifier> = [],
        defaultLimit: Int = 10
    ) {
        self.priority = priority
        self.limits = limits
        self.blocklist = blocklist
        self.defaultLimit = defaultLimit
    }

    /// SPEC §2: unionid > phone > card+channel > openid > email > anonymous id, with the
    /// integrator's user id, platform buyer ids and device ids placed between.
    public static let `default` = IdentityPolicy(
        priority: [.unionid, .phone, .card, .openid, .email, .external, .buyer, .device, .anonymous],
        limits: [
            .unionid: 1, .phone: 2, .email: 3, .external: 1, .card: 5, .openid: 20, .buyer: 10,
            .device: 20, .anonymous: 100,
        ]
    )

    /// What is wrong with this policy, each with the JSON path of the field at fault.
    public func problems() -> [FieldError] {
        var problems: [FieldError] = []
        var seen: Set<IdentifierType> = []
        for (index, type) in priority.enumerated() {
            if !Identifier.isValidTypeName(type.rawValue) {
                problems.append(FieldError(path: "$.priority[\(index)]", reason: "'\(type)' is not an identifier type"))
            } else if !seen.insert(type).inserted {
                problems.append(FieldError(path: "$.priority[\(index)]", reason: "'\(type)' is listed twice"))
            }
        }
        for (type, limit) in limits.sorted(by: { $0.key < $1.key })
        where limit < 1 || !Identifier.isValidTypeName(type.rawValue) {
            problems.append(
                FieldError(path: "$.limits.\(type)", reason: "must be a known type with a limit of at least 1"))
        }
        if defaultLimit < 1 { problems.append(FieldError(path: "$.defaultLimit", reason: "must be at least 1")) }
        return problems
    }

    /// Position in ``priority``; unknown types rank after every listed one.
    public func rank(of type: IdentifierType) -> Int {
        priority.firstIndex(of: type) ?? priority.count
    }

    public func limit(for type: IdentifierType) -> Int {
        limits[type] ?? defaultLimit
    }

    /// Identifiers in resolution order: by type priority, then by value for determinism.
    public func ordered(_ identifiers: some Sequence<Identifier>) -> [Identifier] {
        identifiers.sorted { lhs, rhs in
            let (left, right) = (rank(of: lhs.type), rank(of: rhs.type))
            return left != right ? left < right : lhs < rhs
        }
    }
}

extension IdentityPolicy {
    private enum CodingKeys: String, CodingKey { case priority, limits, blocklist, defaultLimit }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        priority = try container.decode([IdentifierType].self, forKey: .priority)
        let rawLimits = try container.decode([String: Int].self, forKey: .limits)
        limits = Dictionary(uniqueKeysWithValues: rawLimits.map { (IdentifierType(rawValue: $0.key), $0.value) })
        let rawBlocklist = try container.decode([String].self, forKey: .blocklist)
        blocklist = Set(try rawBlocklist.map { try Identifier.parse($0) })
        defaultLimit = try container.decode(Int.self, forKey: .defaultLimit)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(priority, forKey: .priority)
        try container.encode(
            Dictionary(uniqueKeysWithValues: limits.map { ($0.key.rawValue, $0.value) }), forKey: .limits)
        try container.encode(blocklist.map(\.description).sorted(), forKey: .blocklist)
        try container.encode(defaultLimit, forKey: .defaultLimit)
    }
}
