public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func saveScoreModel(_ model: ScoreModel, group: GroupID, brand: BrandID, at: Date) async throws -> Bool {
        try await saveModel(kind: .score, name: model.name, definition: model.json, group: group, brand: brand, at: at)
    }

    public func saveLifecycleModel(_ model: LifecycleModel, group: GroupID, brand: BrandID, at: Date) async throws
        -> Bool
    {
        try await saveModel(
            kind: .lifecycle, name: model.name, definition: model.json, group: group, brand: brand, at: at)
    }

    private func saveModel(
        kind: ScoreModelKind, name: String, definition: JSONValue, group: GroupID, brand: BrandID, at: Date
    ) async throws -> Bool {
        let now = SQLValue.int(Timestamp.micros(at))
        let json = driver.dialect == .postgres ? "?::jsonb" : "?"
        // `created_at` survives a replacement, so a row whose two times differ was there before.
        return try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    INSERT INTO score_models (group_id, brand_id, kind, name, definition, created_at, updated_at) \
                    VALUES (?, ?, ?, ?, \(json), ?, ?) ON CONFLICT (group_id, brand_id, kind, name) \
                    DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at \
                    RETURNING created_at
                    """,
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(kind.rawValue), .text(name),
                        .text(definition.jsonText), now, now,
                    ]),
                map: { rows in rows.first?.int(0) == Timestamp.micros(at) }), writes: true)
    }

    public func scoreModels(group: GroupID, brand: BrandID) async throws -> [ScoreModel] {
        try await models(kind: .score, group: group, brand: brand).map { name, json in
            try ScoreModel.parse(json, name: name)
        }
    }

    public func lifecycleModels(group: GroupID, brand: BrandID) async throws -> [LifecycleModel] {
        try await models(kind: .lifecycle, group: group, brand: brand).map { name, json in
            try LifecycleModel.parse(json, name: name)
        }
    }

    /// The stored definitions of one kind by name (they were valid when saved, so parsing them
    /// back fails only if the grammar lost something, which is a bug worth surfacing).
    private func models(kind: ScoreModelKind, group: GroupID, brand: BrandID) async throws
        -> [(String, JSONValue)]
    {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT name, CAST(definition AS TEXT) FROM score_models WHERE group_id = ? AND brand_id = ? \
                    AND kind = ? ORDER BY name
                    """, [.text(group.rawValue), .text(brand.rawValue), .text(kind.rawValue)]),
                map: { rows in
                    try rows.map { row in
                        (row.text(0) ?? "", try JSONParser.parse(Array((row.text(1) ?? "").utf8)))
                    }
                }), writes: false)
    }

    public func deleteScoreModel(kind: ScoreModelKind, name: String, group: GroupID, brand: BrandID) async throws
        -> Bool
    {
        let arguments: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue), .text(name)]
        let values =
            kind == .score
            ? "DELETE FROM member_scores WHERE group_id = ? AND brand_id = ? AND score = ?"
            : "DELETE FROM member_stages WHERE group_id = ? AND brand_id = ? AND model = ?"
        return try await driver.run(
            QueriesProgram(
                [
                    SQLStatement(values, arguments),
                    SQLStatement(
                        "DELETE FROM score_models WHERE group_id = ? AND brand_id = ? AND name = ? AND kind = ? RETURNING name",
                        arguments + [.text(kind.rawValue)]),
                ], map: { !$0[1].isEmpty }), writes: true)
    }

    public func applyDerivedChanges(
        _ changes: [DerivedStateChange], tagSources sources: [String: TagDefinition.Kind], group: GroupID,
        brand: BrandID, at: Date
    ) async throws -> [MemberID] {
        guard !changes.isEmpty else { return [] }
        return try await driver.run(
            DerivedStateSQL.program(
                changes, sources: sources, group: group, brand: brand, dialect: driver.dialect, at: at,
                eventPrefix: ids.next()),
            writes: true
        ).moved.map(\.member)
    }

    public func scoreStatistics(group: GroupID, brand: BrandID) async throws
        -> (scores: [String: (members: Int64, sum: Int64)], stages: [String: [String: Int64]])
    {
        let arguments: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue)]
        return try await driver.run(
            QueriesProgram(
                [
                    SQLStatement(
                        """
                        SELECT score, COUNT(*), CAST(SUM(value) AS BIGINT) FROM member_scores \
                        WHERE group_id = ? AND brand_id = ? GROUP BY score
                        """, arguments),
                    SQLStatement(
                        """
                        SELECT model, stage, COUNT(*) FROM member_stages WHERE group_id = ? AND brand_id = ? \
                        GROUP BY model, stage
                        """, arguments),
                ],
                map: { results in
                    var scores: [String: (members: Int64, sum: Int64)] = [:]
                    for row in results[0] { scores[row.text(0) ?? ""] = (row.int(1) ?? 0, row.int(2) ?? 0) }
                    var stages: [String: [String: Int64]] = [:]
                    for row in results[1] {
                        stages[row.text(0) ?? "", default: [:]][row.text(1) ?? ""] = row.int(2) ?? 0
                    }
                    return (scores, stages)
                }), writes: false)
    }
}
