import Foundation
import TesseraDomain

/// Adds a catalogued tag to (or removes it from) many members in one transaction, with a history
/// row for each member whose tags really changed. Unknown and merged-away members are skipped and
/// reported, never tagged.
struct TagChangeProgram: SQLProgram {
    let group: GroupID
    let brand: BrandID
    let tag: String
    let members: [MemberID]
    let adding: Bool
    let source: String
    let actor: String
    let at: Date
    let historyPrefix: String
    private var stage = 0
    private var changed: [MemberID] = []

    init(
        group: GroupID, brand: BrandID, tag: String, members: [MemberID], adding: Bool, source: String, actor: String,
        at: Date, historyPrefix: String
    ) {
        (self.group, self.brand, self.tag, self.members, self.adding) = (group, brand, tag, members, adding)
        (self.source, self.actor, self.at, self.historyPrefix) = (source, actor, at, historyPrefix)
    }

    /// The members whose tags changed.
    typealias Output = [MemberID]

    mutating func start() -> SQLStep<Output> {
        (stage, changed) = (0, [])
        return .query(
            SQLStatement(
                "SELECT kind FROM tags WHERE group_id = ? AND brand_id = ? AND name = ?",
                [.text(group.rawValue), .text(brand.rawValue), .text(tag)]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Output> {
        let (g, b, t, now) = (
            SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(tag),
            SQLValue.int(Timestamp.micros(at))
        )
        stage += 1
        switch stage {
        case 1:
            guard !rows.isEmpty else {
                throw TesseraError.rejected(
                    code: "tag_not_found", field: "tag",
                    reason: "\(tag) is not in this brand's tag catalogue; create it with POST /api/v1/tags")
            }
            if let kind = rows.first?.text(0), kind == "rule" || kind == "behaviour" {
                throw TesseraError.rejected(
                    code: "tag_is_computed", field: "tag",
                    reason: "\(tag) is a \(kind) tag: its members follow its definition and cannot be set by hand")
            }
            guard !members.isEmpty else { return .done([]) }
            let ids = members.map { SQLValue.text($0.rawValue) }
            if adding {
                return .query(
                    SQLStatement(
                        """
                        INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) \
                        SELECT m.group_id, ?, m.id, ?, ?, ?, ? FROM members m WHERE m.group_id = ? \
                        AND m.merged_into IS NULL AND m.id IN (\(SQLBuilder.markers(ids.count))) \
                        ON CONFLICT (group_id, brand_id, member_id, tag) DO NOTHING RETURNING member_id
                        """, [b, t, .text(source), .text(actor), now, g] + ids))
            }
            return .query(
                SQLStatement(
                    """
                    DELETE FROM member_tags WHERE group_id = ? AND brand_id = ? AND tag = ? \
                    AND member_id IN (\(SQLBuilder.markers(ids.count))) RETURNING member_id
                    """, [g, b, t] + ids))
        case 2:
            changed = rows.compactMap { $0.text(0).map { MemberID($0) } }.sorted { $0.rawValue < $1.rawValue }
            guard !changed.isEmpty else { return .done([]) }
            let action = SQLValue.text(adding ? "added" : "removed")
            return .execute(
                SQLBuilder.insert(
                    into: "tag_history",
                    columns: [
                        "group_id", "id", "brand_id", "member_id", "tag", "action", "source", "actor", "occurred_at",
                    ],
                    rows: changed.enumerated().map { index, member in
                        [
                            g, .text("\(historyPrefix)-\(index)"), b, .text(member.rawValue), t, action, .text(source),
                            .text(actor), now,
                        ]
                    }))
        default:
            return .done(changed)
        }
    }
}
