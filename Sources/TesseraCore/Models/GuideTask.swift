public import Foundation
public import TesseraDomain

/// A task a journey created for a member's store guide (`open` until marked `done`).
public struct GuideTask: Sendable, Hashable, Encodable {
    public var id: String
    public var member: MemberID
    /// The member's guide when the task was created; nil when they had none (unassigned).
    public var guide: String?
    public var journeyID: String
    public var node: String
    public var title: String
    public var status: String
    public var dueAt: Date
    public var createdAt: Date
    public var completedAt: Date?

    public init(
        id: String, member: MemberID, guide: String?, journeyID: String, node: String, title: String, status: String,
        dueAt: Date, createdAt: Date, completedAt: Date?
    ) {
        self.id = id
        self.member = member
        self.guide = guide
        self.journeyID = journeyID
        self.node = node
        self.title = title
        self.status = status
        self.dueAt = dueAt
        self.createdAt = createdAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, member = "memberId", guide, journeyID = "journeyId", node, title, status, dueAt, createdAt,
            completedAt
    }
}
