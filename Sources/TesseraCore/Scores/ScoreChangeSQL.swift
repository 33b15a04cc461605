import Foundation
import TesseraDomain

/// Writes the scoring pass's changes for many members of one brand in one transaction: scores set
/// and removed in multi-row statements, and each stage move as a compare-and-set on the stage it was
/// computed from; `lifecycle.changed` is emitted only for moves that applied (`RETURNING`), so two
/// passes over the same member never announce one move twice.
enum ScoreChangeSQL {
    /// A stage move that applied.
    struct Moved: Sendable, Hashable {
        var member: MemberID
        var move: MemberScoreChange.Move
    }

    static func program(
        _ changes: [MemberScoreChange], group: GroupID, brand: BrandID, dialect: SQLDialect, at: Date,
        eventPrefix: String
    ) -> ChainedProgram<QueriesProgram<[Moved]>, WriteProgram<[Moved]>> {
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        let now = SQLValue.int(Timestamp.micros(at))
        var upserts: [[SQLValue]] = []
        var removals: [(MemberID, String)] = []
        for change in changes {
            for (score, value) in change.scores.sorted(by: { $0.key < $1.key }) {
                if let value {
                    upserts.append([g, b, .text(change.member.rawValue), .text(score), .int(value), now])
                } else {
                    removals.append((change.member, score))
                }
            }
        }
        var statements = SQLBuilder.insert(
            into: "member_scores", columns: ["group_id", "brand_id", "member_id", "score", "value", "updated_at"],
            rows: upserts,
            suffix:
                "ON CONFLICT (group_id, brand_id, member_id, score) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
        )
        statements += SQLBuilder.chunks(removals).map { chunk in
            SQLStatement(
                """
                DELETE FROM member_scores WHERE group_id = ? AND brand_id = ? AND (member_id, score) IN \
                (VALUES \(Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")))
                """, [g, b] + chunk.flatMap { [SQLValue.text($0.0.rawValue), .text($0.1)] })
        }
        let writes = statements.count
        let moves = changes.flatMap { change in change.moves.map { Moved(member: change.member, move: $0) } }
        statements += moves.map { moved in
            let (member, move) = (SQLValue.text(moved.member.rawValue), moved.move)
            let key = "group_id = ? AND brand_id = ? AND member_id = ? AND model = ?"
            switch (move.from, move.to) {
            case (nil, let to?):
                return SQLStatement(
                    """
                    INSERT INTO member_stages (group_id, brand_id, member_id, model, stage, since) \
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, brand_id, member_id, model) DO NOTHING \
                    RETURNING member_id
                    """, [g, b, member, .text(move.model), .text(to), now])
            case (let from?, let to?):
                return SQLStatement(
                    "UPDATE member_stages SET stage = ?, since = ? WHERE \(key) AND stage = ? RETURNING member_id",
                    [.text(to), now, g, b, member, .text(move.model), .text(from)])
            case (let from?, nil):
                return SQLStatement(
                    "DELETE FROM member_stages WHERE \(key) AND stage = ? RETURNING member_id",
                    [g, b, member, .text(move.model), .text(from)])
            case (nil, nil):
                return SQLStatement("SELECT member_id FROM member_stages WHERE 1 = 0", [])
            }
        }
        return ChainedProgram(
            QueriesProgram(statements) { results in
                zip(moves, results.dropFirst(writes)).compactMap { moved, rows in rows.isEmpty ? nil : moved }
            }
        ) { moved in
            let events = moved.enumerated().map { index, moved in
                DomainEvent(
                    idempotencyKey: "\(eventPrefix)-\(index)", brand: brand, member: moved.member,
                    name: "lifecycle.changed",
                    properties: [
                        "model": .string(moved.move.model), "from": moved.move.from.map(JSONValue.string) ?? .null,
                        "to": moved.move.to.map(JSONValue.string) ?? .null,
                    ], at: at)
            }
            return WriteProgram(
                statements: DomainEventSQL.insert(events, group: group, idPrefix: eventPrefix, dialect: dialect),
                output: moved)
        }
    }
}
