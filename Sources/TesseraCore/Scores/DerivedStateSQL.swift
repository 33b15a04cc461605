import Foundation
import TesseraDomain

/// Writes the derivation pass's changes for many members of one brand in one transaction: scores
/// set and removed in multi-row statements; computed tags added and removed (only rows their
/// definition owns, so a manual tag of the same name is never touched) with a history row for each
/// that really changed; each stage move as a compare-and-set on the stage it was computed from, with
/// `lifecycle.changed` only for moves that applied (`RETURNING`) — two passes over the same member
/// never announce one move twice.
enum DerivedStateSQL {
    /// A stage move that applied.
    struct Moved: Sendable, Hashable {
        var member: MemberID
        var move: DerivedStateChange.Move
    }

    /// A tag row that really changed: `(member, tag, actor, source)`.
    struct TagRow: Sendable, Hashable {
        var member: String
        var tag: String
        var actor: String
        var source: String
        var added: Bool
    }

    /// What applied.
    struct Applied: Sendable {
        var moved: [Moved]
        var tags: [TagRow]
    }

    /// `sources` gives each tag definition's kind (`rule` or `behaviour`) by name.
    static func program(
        _ changes: [DerivedStateChange], sources: [String: TagDefinition.Kind], group: GroupID, brand: BrandID,
        dialect: SQLDialect, at: Date, eventPrefix: String
    ) -> ChainedProgram<QueriesProgram<Applied>, WriteProgram<Applied>> {
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
        let scoreWrites = statements.count
        let added = changes.flatMap { change in change.addedTags.map { (change.member, $0) } }
        statements += SQLBuilder.insert(
            into: "member_tags", columns: ["group_id", "brand_id", "member_id", "tag", "source", "actor", "tagged_at"],
            rows: added.map { member, owned in
                [
                    g, b, .text(member.rawValue), .text(owned.tag),
                    .text((sources[owned.owner] ?? .rule).rawValue), .text(owned.owner), now,
                ]
            },
            suffix:
                "ON CONFLICT (group_id, brand_id, member_id, tag) DO NOTHING RETURNING member_id, tag, actor, source")
        let tagAdds = statements.count
        let removed = changes.flatMap { change in change.removedTags.map { (change.member, $0) } }
        statements += SQLBuilder.chunks(removed).map { chunk in
            SQLStatement(
                """
                DELETE FROM member_tags WHERE group_id = ? AND brand_id = ? AND source IN ('rule', 'behaviour')                 AND (member_id, tag, actor) IN                 (VALUES \(Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ")))                 RETURNING member_id, tag, actor, source
                """,
                [g, b] + chunk.flatMap { [SQLValue.text($0.0.rawValue), .text($0.1.tag), .text($0.1.owner)] })
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
                func rows(_ range: Range<Int>, added: Bool) -> [TagRow] {
                    results[range].joined().map {
                        TagRow(
                            member: $0.text(0) ?? "", tag: $0.text(1) ?? "", actor: $0.text(2) ?? "",
                            source: $0.text(3) ?? "", added: added)
                    }
                }
                return Applied(
                    moved: zip(moves, results.dropFirst(writes)).compactMap { moved, rows in
                        rows.isEmpty ? nil : moved
                    },
                    tags: rows(scoreWrites..<tagAdds, added: true) + rows(tagAdds..<writes, added: false))
            }
        ) { applied in
            let events = applied.moved.enumerated().map { index, moved in
                DomainEvent(
                    idempotencyKey: "\(eventPrefix)-\(index)", brand: brand, member: moved.member,
                    name: "lifecycle.changed",
                    properties: [
                        "model": .string(moved.move.model), "from": moved.move.from.map(JSONValue.string) ?? .null,
                        "to": moved.move.to.map(JSONValue.string) ?? .null,
                    ], at: at)
            }
            let history = SQLBuilder.insert(
                into: "tag_history",
                columns: [
                    "group_id", "id", "brand_id", "member_id", "tag", "action", "source", "actor", "occurred_at",
                ],
                rows: applied.tags.enumerated().map { index, row in
                    [
                        g, .text("\(eventPrefix)-t\(index)"), b, .text(row.member), .text(row.tag),
                        .text(row.added ? "added" : "removed"), .text(row.source), .text(row.actor), now,
                    ]
                })
            return WriteProgram(
                statements: DomainEventSQL.insert(events, group: group, idPrefix: eventPrefix, dialect: dialect)
                    + history,
                output: applied)
        }
    }
}
