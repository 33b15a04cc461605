public import TesseraDomain

/// The real-time path's verdict for one member: the dynamic segments to enter and to leave.
public struct SegmentMembershipChange: Sendable, Hashable {
    public var member: MemberID
    public var entering: [SegmentRecord]
    public var leaving: [SegmentRecord]

    public init(member: MemberID, entering: [SegmentRecord], leaving: [SegmentRecord]) {
        self.member = member
        self.entering = entering
        self.leaving = leaving
    }

    /// The memberships a batch of changes really made and ended, as `(member, segment id)`.
    public struct Applied: Sendable, Hashable {
        public var entered: [Pair]
        public var exited: [Pair]

        public init(entered: [Pair], exited: [Pair]) {
            self.entered = entered
            self.exited = exited
        }
    }

    public struct Pair: Sendable, Hashable {
        public var member: MemberID
        public var segment: String

        public init(member: MemberID, segment: String) {
            self.member = member
            self.segment = segment
        }
    }
}
