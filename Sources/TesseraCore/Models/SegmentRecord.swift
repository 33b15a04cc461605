public import Foundation
public import TesseraDomain

/// A stored segment of a brand: a rule and the members it holds.
///
/// A **dynamic** segment follows its rule: members enter and leave as their data changes
/// (`segment.entered` / `segment.exited` events), and a scheduled refresh catches what time alone
/// changes ("no purchase in 30 days"). A **snapshot** is the rule's answer frozen when it was created.
public struct SegmentRecord: Sendable, Hashable {
    /// Follows its rule, or frozen at creation.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case dynamic, snapshot
    }

    public var id: String
    public var brandID: BrandID
    public var name: String
    public var kind: Kind
    public var rule: SegmentRule
    public var memberCount: Int64
    public var computedAt: Date?
    public var createdAt: Date

    public init(
        id: String, brandID: BrandID, name: String, kind: Kind, rule: SegmentRule, memberCount: Int64 = 0,
        computedAt: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.brandID = brandID
        self.name = name
        self.kind = kind
        self.rule = rule
        self.memberCount = memberCount
        self.computedAt = computedAt
        self.createdAt = createdAt
    }
}

/// What a refresh of a segment changed.
public struct SegmentChanges: Sendable, Hashable, Codable {
    public var entered: [MemberID]
    public var exited: [MemberID]
    public var memberCount: Int64

    public init(entered: [MemberID], exited: [MemberID], memberCount: Int64) {
        self.entered = entered
        self.exited = exited
        self.memberCount = memberCount
    }
}
