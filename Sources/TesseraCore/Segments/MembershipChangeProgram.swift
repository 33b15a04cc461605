import Foundation
import TesseraDomain

/// Applies the real-time path's verdicts for one member: enters the dynamic segments it now
/// matches, leaves those it no longer matches, and emits an event only for rows that really
/// changed (`RETURNING`), so two workers re-evaluating the same member never announce twice.
struct MembershipChangeProgram: SQLProgram {
    let group: GroupID
    let member: MemberID
    let entering: [SegmentRecord]
    let leaving: [SegmentRecord]
    let dialect: SQLDialect
    let at: Date
    let eventPrefix: String
    private var stage = 0
    private var entered: [String] = []
    private var exited: [String] = []

    init(
        group: GroupID, member: MemberID, entering: [SegmentRecord], leaving: [SegmentRecord], dialect: SQLDialect,
        at: Date, eventPrefix: String
    ) {
        self.group = group
        self.member = member
        self.entering = entering
        self.leaving = leaving
        self.dialect = dialect
        self.at = at
        self.eventPrefix = eventPrefix
    }

    /// Segment ids entered and left.
    typealias Output = (entered: [String], exited: [String])

    mutating func start() -> SQLStep<Output> {
        (stage, entered, exited) = (0, [], [])
        return resume([])
    }

    mutating func resume(_ rows: [SQLRow]) -> SQLStep<Output> {
        let (g, m) = (SQLValue.text(group.rawValue), SQLValue.text(member.rawValue))
        stage += 1
        switch stage {
        case 1 where !entering.isEmpty:
            // Only segments that still exist and are dynamic: one deleted meanwhile gets no rows.
            return .query(
                SQLStatement(
                    """
                    INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) SELECT s.group_id, s.id, ?, ? \
                    FROM segments s WHERE s.group_id = ? AND s.kind = 'dynamic' AND s.id IN \
                    (\(SQLBuilder.markers(entering.count))) ON CONFLICT (group_id, segment_id, member_id) DO NOTHING \
                    RETURNING segment_id
                    """, [m, .int(Timestamp.micros(at)), g] + entering.map { .text($0.id) }))
        case 1: return resume([])
        case 2:
            entered = rows.compactMap { $0.text(0) }
            guard !leaving.isEmpty else { return resume([]) }
            return .query(
                SQLStatement(
                    """
                    DELETE FROM segment_members WHERE group_id = ? AND member_id = ? AND segment_id IN \
                    (\(SQLBuilder.markers(leaving.count))) RETURNING segment_id
                    """, [g, m] + leaving.map { .text($0.id) }))
        case 3:
            if !leaving.isEmpty { exited = rows.compactMap { $0.text(0) } }
            var statements: [SQLStatement] = []
            for (index, segment) in entering.enumerated() where entered.contains(segment.id) {
                statements += SegmentEvents.insert(
                    segment: segment, entered: [member], exited: [], group: group, dialect: dialect, at: at,
                    idPrefix: "\(eventPrefix)-in\(index)")
            }
            for (index, segment) in leaving.enumerated() where exited.contains(segment.id) {
                statements += SegmentEvents.insert(
                    segment: segment, entered: [], exited: [member], group: group, dialect: dialect, at: at,
                    idPrefix: "\(eventPrefix)-out\(index)")
            }
            guard !statements.isEmpty else { return .done((entered, exited)) }
            return .execute(statements)
        default:
            return .done((entered, exited))
        }
    }
}
