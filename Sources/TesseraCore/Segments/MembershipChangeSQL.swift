import Foundation
import TesseraDomain

/// Applies the real-time path's verdicts for many members in one transaction: enters the dynamic
/// segments they now match, leaves those they no longer match, and emits an event only for rows
/// that really changed (`RETURNING`), so two workers re-evaluating the same member never announce
/// twice.
enum MembershipChangeSQL {
    /// Most `(member, segment)` pairs bound in one statement.
    static let largestStatement = 500

    static func program(
        _ changes: [SegmentMembershipChange], group: GroupID, dialect: SQLDialect, at: Date, eventPrefix: String
    ) -> ChainedProgram<
        QueriesProgram<SegmentMembershipChange.Applied>, WriteProgram<SegmentMembershipChange.Applied>
    > {
        let g = SQLValue.text(group.rawValue)
        let now = SQLValue.int(Timestamp.micros(at))
        let entering = changes.flatMap { change in change.entering.map { (change.member, $0.id) } }
        let leaving = changes.flatMap { change in change.leaving.map { (change.member, $0.id) } }
        func pairs(_ chunk: ArraySlice<(MemberID, String)>) -> (sql: String, arguments: [SQLValue]) {
            (
                Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", "),
                chunk.flatMap { [SQLValue.text($0.0.rawValue), .text($0.1)] }
            )
        }
        let inserts = SQLBuilder.chunks(entering, largest: largestStatement).map { chunk in
            let values = pairs(chunk)
            // Only segments that still exist and are dynamic: one deleted meanwhile gets no rows.
            return SQLStatement(
                """
                WITH v (member_id, segment_id) AS (VALUES \(values.sql)) \
                INSERT INTO segment_members (group_id, segment_id, member_id, entered_at) \
                SELECT s.group_id, s.id, v.member_id, ? FROM v JOIN segments s ON s.group_id = ? \
                AND s.id = v.segment_id AND s.kind = 'dynamic' WHERE TRUE \
                ON CONFLICT (segment_id, member_id, group_id) DO NOTHING RETURNING member_id, segment_id
                """, values.arguments + [now, g])
        }
        let deletes = SQLBuilder.chunks(leaving, largest: largestStatement).map { chunk in
            let values = pairs(chunk)
            return SQLStatement(
                """
                DELETE FROM segment_members WHERE group_id = ? AND (member_id, segment_id) IN (VALUES \(values.sql)) \
                RETURNING member_id, segment_id
                """, [g] + values.arguments)
        }
        let segments = Dictionary(
            changes.flatMap { $0.entering + $0.leaving }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let insertCount = inserts.count
        return ChainedProgram(
            QueriesProgram(inserts + deletes) { results in
                func applied(_ rows: ArraySlice<[SQLRow]>) -> [SegmentMembershipChange.Pair] {
                    rows.joined().compactMap { row in
                        guard let member = row.text(0), let segment = row.text(1) else { return nil }
                        return SegmentMembershipChange.Pair(member: MemberID(member), segment: segment)
                    }
                }
                return SegmentMembershipChange.Applied(
                    entered: applied(results.prefix(insertCount)), exited: applied(results.dropFirst(insertCount)))
            }
        ) { applied in
            var statements: [SQLStatement] = []
            for (index, id) in Set((applied.entered + applied.exited).map(\.segment)).sorted().enumerated() {
                guard let segment = segments[id] else { continue }
                statements += SegmentEvents.insert(
                    segment: segment, entered: applied.entered.filter { $0.segment == id }.map(\.member),
                    exited: applied.exited.filter { $0.segment == id }.map(\.member), group: group, dialect: dialect,
                    at: at, idPrefix: "\(eventPrefix)-\(index)")
            }
            return WriteProgram(statements: statements, output: applied)
        }
    }
}
