import Foundation
import TesseraDomain

/// A full computation of a segment in one transaction: members who no longer match leave, members
/// who now match enter, and each change is a `segment.exited` / `segment.entered` event — unless
/// this is the segment's first computation, whose members were never outside it.
///
/// The rule runs as SQL (``SegmentSQL``) inside the database, so a million members never cross
/// into the process; only the ids that changed come back.
struct SegmentRefreshProgram: SQLProgram {
    let segment: SegmentRecord
    let group: GroupID
    let context: EvaluationContext
    let dialect: SQLDialect
    let at: Date
    let emitEvents: Bool
    /// Unique per run, so events of two runs in one microsecond get different ids.
    let eventPrefix: String
    private var stage = Stage.exiting
    private var exited: [MemberID] = []
    private var entered: [MemberID] = []

    private enum Stage { case exiting, entering, recording, counting }

    init(
        segment: SegmentRecord, group: GroupID, context: EvaluationContext, dialect: SQLDialect, at: Date,
        emitEvents: Bool, eventPrefix: String
    ) {
        self.eventPrefix = eventPrefix
        self.segment = segment
        self.group = group
        self.context = context
        self.dialect = dialect
        self.at = at
        self.emitEvents = emitEvents
    }

    private var key: [SQLValue] { [.text(group.rawValue), .text(segment.id)] }

    mutating func start() -> SQLStep<SegmentChanges> {
        (stage, exited, entered) = (.exiting, [], [])
        let matching = SegmentSQL.select(
            "m.id", matching: segment.rule, group: group, brand: segment.brandID, context: context, dialect: dialect)
        return .query(
            SQLStatement(
                "DELETE FROM segment_members WHERE group_id = ? AND segment_id = ? AND member_id NOT IN ("
                    + matching.sql + ") RETURNING member_id", key + matching.arguments))
    }

    mutating func resume(_ rows: [SQLRow]) -> SQLStep<SegmentChanges> {
        switch stage {
        case .exiting:
            exited = rows.compactMap { $0.text(0).map { MemberID($0) } }
            stage = .entering
            let matching = SegmentSQL.select(
                "?, ?, m.id, ?", key + [.int(Timestamp.micros(at))], matching: segment.rule, group: group,
                brand: segment.brandID, context: context, dialect: dialect)
            return .query(
                SQLStatement(
                    "INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) " + matching.sql
                        + " ON CONFLICT (group_id, segment_id, member_id) DO NOTHING RETURNING member_id",
                    matching.arguments))
        case .entering:
            entered = rows.compactMap { $0.text(0).map { MemberID($0) } }
            stage = .recording
            var statements: [SQLStatement] = []
            if emitEvents {
                statements += SegmentEvents.insert(
                    segment: segment, entered: entered, exited: exited, group: group, dialect: dialect, at: at,
                    idPrefix: eventPrefix)
            }
            statements.append(
                SQLStatement(
                    """
                    UPDATE segments SET computed_at = ?, updated_at = ? WHERE group_id = ? AND id = ?
                    """, [.int(Timestamp.micros(at)), .int(Timestamp.micros(at))] + key))
            return .execute(statements)
        case .recording:
            stage = .counting
            return .query(
                SQLStatement("SELECT COUNT(*) FROM segment_members WHERE group_id = ? AND segment_id = ?", key))
        case .counting:
            return .done(SegmentChanges(entered: entered, exited: exited, memberCount: rows.first?.int(0) ?? 0))
        }
    }
}

/// `segment.entered` / `segment.exited` events for the journeys and segments that react to them.
enum SegmentEvents {
    static func insert(
        segment: SegmentRecord, entered: [MemberID], exited: [MemberID], group: GroupID, dialect: SQLDialect, at: Date,
        idPrefix: String
    ) -> [SQLStatement] {
        let stamp = Timestamp.micros(at)
        let properties: [String: JSONValue] = ["segmentId": .string(segment.id), "segmentName": .string(segment.name)]
        let events =
            entered.map { ("segment.entered", $0) } + exited.map { ("segment.exited", $0) }
        guard !events.isEmpty else { return [] }
        return DomainEventSQL.insert(
            events.map { name, member in
                DomainEvent(
                    idempotencyKey: "\(name):\(segment.id):\(member.rawValue):\(stamp)", brand: segment.brandID,
                    member: member, name: name, properties: properties, at: at)
            }, group: group, idPrefix: idPrefix, dialect: dialect)
    }
}
