public import Foundation
public import TesseraDomain

/// Two members that share an identifier and were not merged automatically.
public struct MergeCandidate: Sendable, Hashable, Codable {
    public var id: String
    public var memberID: MemberID
    public var otherMemberID: MemberID
    public var identifier: String
    public var reason: String
    /// `open`, `merged` or `dismissed`.
    public var status: String
    public var createdAt: Date

    public init(
        id: String, memberID: MemberID, otherMemberID: MemberID, identifier: String, reason: String, status: String,
        createdAt: Date
    ) {
        self.id = id
        self.memberID = memberID
        self.otherMemberID = otherMemberID
        self.identifier = identifier
        self.reason = reason
        self.status = status
        self.createdAt = createdAt
    }
}

/// The audit record of a merge: enough to explain it and to undo it.
public struct MergeRecord: Sendable, Hashable, Codable {
    public var id: String
    public var survivorID: MemberID
    public var mergedID: MemberID
    public var actor: String
    public var reason: String
    /// Identifiers moved from the merged member to the survivor.
    public var identifiers: [String]
    public var movedEvents: Int64
    public var movedOrders: Int64
    public var createdAt: Date

    public init(
        id: String, survivorID: MemberID, mergedID: MemberID, actor: String, reason: String, identifiers: [String],
        movedEvents: Int64, movedOrders: Int64, createdAt: Date
    ) {
        self.id = id
        self.survivorID = survivorID
        self.mergedID = mergedID
        self.actor = actor
        self.reason = reason
        self.identifiers = identifiers
        self.movedEvents = movedEvents
        self.movedOrders = movedOrders
        self.createdAt = createdAt
    }
}
