/// A tag in a brand's catalogue (SPEC §5). Manual tags are set by operators (one member, a list or a
/// CSV), process tags by journeys; rule and behaviour tags are computed.
public struct TagDefinition: Sendable, Hashable {
    /// The catalogue's sections.
    public enum Category: String, Sendable, Hashable, Codable, CaseIterable {
        case basic, membership, consumption, points, benefits, interaction, prediction
    }

    /// Who sets the tag.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case manual, process, rule, behaviour
    }

    public var name: String
    public var category: Category
    public var kind: Kind
    public var description: String?
    /// For rule and behaviour tags: how they are derived.
    public var derivation: TagDerivation?

    public init(
        name: String, category: Category, kind: Kind, description: String? = nil, derivation: TagDerivation? = nil
    ) {
        self.name = name
        self.category = category
        self.kind = kind
        self.description = description
        self.derivation = derivation
    }

    /// 1 to 64 characters, no commas (CSV) or line breaks.
    public static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && !name.contains(where: { $0.isNewline || $0 == "," })
    }
}

/// One tag on one member: where it came from and when.
public struct AppliedTag: Sendable, Hashable, Codable {
    public var tag: String
    /// `manual`, `journey`, `rule`, `behaviour`, `merge`.
    public var source: String
    /// The key, journey or rule that set it.
    public var actor: String
    public var taggedAt: Int64

    public init(tag: String, source: String, actor: String, taggedAt: Int64) {
        self.tag = tag
        self.source = source
        self.actor = actor
        self.taggedAt = taggedAt
    }
}
