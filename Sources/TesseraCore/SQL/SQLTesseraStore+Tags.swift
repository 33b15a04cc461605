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
                    INSERT INTO tags (group_id, brand_id, name, category, kind, description, rule, created_at, \
                    updated_at) VALUES (?, ?, ?, ?, ?, ?, \(driver.dialect == .postgres ? "?::jsonb" : "?"), ?, ?) \
                    ON CONFLICT (group_id, brand_id, name) DO NOTHING RETURNING name
                    """,
                    [
                        g, b, .text(tag.name), .text(tag.category.rawValue), .text(tag.kind.rawValue),
                        .optional(tag.description), .optional(tag.derivation?.json.jsonText), now, now,
                    ]), map: { !$0.isEmpty }), writes: true)
        if !created { throw TesseraError.conflict("the tag \(tag.name) already exists in this brand") }
    }

    public func tags(group: GroupID, brand: BrandID) async throws -> [(definition: TagDefinition, members: Int64)] {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT t.name, t.category, t.kind, t.description, (SELECT COUNT(*) FROM member_tags x \
                    WHERE x.group_id = t.group_id AND x.brand_id = t.brand_id AND (x.tag = t.name \
                    OR (t.kind = 'behaviour' AND x.source = 'behaviour' AND x.actor = t.name))), \
                    CAST(t.rule AS TEXT) FROM tags t WHERE t.group_id = ? AND t.brand_id = ? ORDER BY t.category, t.name
                    """, [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    try rows.map { row in
                        let kind = TagDefinition.Kind(rawValue: row.text(2) ?? "") ?? .manual
                        // Stored definitions were valid when saved: parsing them back cannot fail unless the
                        // grammar lost something, which is a bug worth surfacing.
                        let derivation = try row.text(5).map {
                            try TagDerivation.parse(kind: kind, try JSONParser.parse(Array($0.utf8)))
                        }
                        return (
                            TagDefinition(
                                name: row.text(0) ?? "",
                                category: TagDefinition.Category(rawValue: row.text(1) ?? "") ?? .basic,
                                kind: kind, description: row.text(3), derivation: derivation),
                            row.int(4) ?? 0
                        )
                    }
                }), writes: false)
    }

    public func deleteTag(_ name: String, group: GroupID, brand: BrandID, actor: String, at: Date) async throws -> Bool
    {
        let (g, b, t) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(name))
        // A behaviour definition's rows carry their own names (`likes:…`) and the definition as actor.
        let owned = """
            group_id = ? AND brand_id = ? AND (tag = ? OR (source = 'behaviour' AND actor = ? AND EXISTS \
            (SELECT 1 FROM tags d WHERE d.group_id = member_tags.group_id AND d.brand_id = member_tags.brand_id \
            AND d.name = ? AND d.kind = 'behaviour')))
            """
        let prefix = ids.next()
        return try await driver.run(
            QueriesProgram(
                [
                    SQLStatement(
                        """
                        INSERT INTO tag_history (group_id, id, brand_id, member_id, tag, action, source, actor, \
                        occurred_at) SELECT group_id, ? || '-' || member_id || '-' || tag, brand_id, member_id, tag, \
                        'removed', 'catalogue', ?, ? FROM member_tags WHERE \(owned)
                        """, [.text(prefix), .text(actor), .int(Timestamp.micros(at)), g, b, t, t, t]),
                    SQLStatement("DELETE FROM member_tags WHERE \(owned)", [g, b, t, t, t]),
                    SQLStatement(
                        "DELETE FROM tags WHERE group_id = ? AND brand_id = ? AND name = ? RETURNING name", [g, b, t]),
                ], map: { !$0[2].isEmpty }), writes: true)
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
