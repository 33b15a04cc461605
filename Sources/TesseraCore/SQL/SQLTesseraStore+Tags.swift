public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func defineTag(_ tag: TagDefinition, group: GroupID, brand: BrandID, at: Date) async throws {
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        let now = SQLValue.int(Timestamp.micros(at))
        let created = try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    INSERT INTO tags (group_id, brand_id, name, category, kind, description, created_at, updated_at) \
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, brand_id, name) DO NOTHING RETURNING name
                    """,
                    [
                        g, b, .text(tag.name), .text(tag.category.rawValue), .text(tag.kind.rawValue),
                        .optional(tag.description), now, now,
                    ]), map: { !$0.isEmpty }), writes: true)
        if !created { throw TesseraError.conflict("the tag \(tag.name) already exists in this brand") }
    }

    public func tags(group: GroupID, brand: BrandID) async throws -> [(definition: TagDefinition, members: Int64)] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT t.name, t.category, t.kind, t.description, (SELECT COUNT(*) FROM member_tags x \
                    WHERE x.group_id = t.group_id AND x.brand_id = t.brand_id AND x.tag = t.name) \
                    FROM tags t WHERE t.group_id = ? AND t.brand_id = ? ORDER BY t.category, t.name
                    """, [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    rows.map { row in
                        (
                            TagDefinition(
                                name: row.text(0) ?? "",
                                category: TagDefinition.Category(rawValue: row.text(1) ?? "") ?? .basic,
                                kind: TagDefinition.Kind(rawValue: row.text(2) ?? "") ?? .manual,
                                description: row.text(3)),
                            row.int(4) ?? 0
                        )
                    }
                }), writes: false)
    }

    public func changeTag(
        _ tag: String, adding: Bool, members: [MemberID], group: GroupID, brand: BrandID, source: String,
        actor: String, at: Date
    ) async throws -> [MemberID] {
        try await driver.run(
            TagChangeProgram(
                group: group, brand: brand, tag: tag, members: members, adding: adding, source: source, actor: actor,
                at: at, historyPrefix: ids.next()), writes: true)
    }

    public func memberTags(group: GroupID, brand: BrandID, member: MemberID) async throws -> [AppliedTag] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT tag, source, actor, tagged_at FROM member_tags WHERE group_id = ? AND brand_id = ? \
                    AND member_id = ? ORDER BY tag
                    """, [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]),
                map: { rows in
                    rows.map {
                        AppliedTag(
                            tag: $0.text(0) ?? "", source: $0.text(1) ?? "", actor: $0.text(2) ?? "",
                            taggedAt: $0.int(3) ?? 0)
                    }
                }), writes: false)
    }

    public func tagHistory(group: GroupID, brand: BrandID, member: MemberID, limit: Int) async throws
        -> [(tag: String, action: String, source: String, actor: String, at: Date)]
    {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT tag, action, source, actor, occurred_at FROM tag_history WHERE group_id = ? AND brand_id = ? \
                    AND member_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?
                    """,
                    [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue), .int(Int64(limit))]),
                map: { rows in
                    rows.map {
                        (
                            $0.text(0) ?? "", $0.text(1) ?? "", $0.text(2) ?? "", $0.text(3) ?? "",
                            Timestamp.date($0.int(4) ?? 0)
                        )
                    }
                }), writes: false)
    }
}
