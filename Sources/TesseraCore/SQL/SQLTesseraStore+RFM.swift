public import Foundation
public import TesseraDomain

extension SQLTesseraStore {
    public func purchasePage(group: GroupID, brand: BrandID, after member: String?, limit: Int) async throws
        -> [(member: String, at: Int64, amountMinor: Int64)]
    {
        // Merged members are left out by the index of them (``Migration/mergedMemberIndex``), read
        // once — SQLite's `NOT IN` list (uncorrelated, so built once), PostgreSQL's anti-join —
        // rather than by a probe of the member row per order. PostgreSQL's `NOT IN` would rescan
        // the list per order unless the planner expects it to fit in memory.
        let live =
            driver.dialect == .sqlite
            ? "o.member_id NOT IN (SELECT x.id FROM members x WHERE x.group_id = ? AND x.merged_into IS NOT NULL)"
            : """
            NOT EXISTS (SELECT 1 FROM members x WHERE x.group_id = ? AND x.id = o.member_id \
            AND x.merged_into IS NOT NULL)
            """
        return try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT o.member_id, COALESCE(o.paid_at, o.placed_at), o.paid_minor - o.refunded_minor \
                    FROM orders o WHERE o.group_id = ? AND o.brand_id = ? AND o.status IN \(StoreSQL.purchaseStatuses) \
                    AND \(live) AND o.member_id > ? ORDER BY o.member_id LIMIT ?
                    """,
                    [
                        .text(group.rawValue), .text(brand.rawValue), .text(group.rawValue), .text(member ?? ""),
                        .int(Int64(limit)),
                    ]),
                map: { rows in rows.map { ($0.text(0) ?? "", $0.int(1) ?? 0, $0.int(2) ?? 0) } }), writes: false)
    }

    public func replaceRFM(_ scores: [RFMScore], group: GroupID, brand: BrandID, at: Date) async throws {
        try await driver.run(ReplaceRFMProgram(scores: scores, group: group, brand: brand, at: at), writes: true)
    }

    public func rfmScores(group: GroupID, brand: BrandID, after cursor: String?, limit: Int, identifierType: String?)
        async throws -> [(score: RFMScore, identifier: String?)]
    {
        let identifier =
            identifierType == nil
            ? "NULL"
            : "(SELECT MIN(i.value) FROM member_identifiers i WHERE i.group_id = s.group_id AND i.member_id = s.member_id AND i.type = ?)"
        let g = SQLValue.text(group.rawValue)
        return try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT s.member_id, s.frequency, s.recency_days, s.age_days, s.repeat_sum_minor, s.total_minor, s.r, \
                    s.f, s.m, s.rfm_group, \(identifier) FROM rfm_scores s WHERE s.group_id = ? AND s.brand_id = ? \
                    AND s.member_id > ? ORDER BY s.member_id LIMIT ?
                    """,
                    (identifierType.map { [SQLValue.text($0)] } ?? [])
                        + [g, .text(brand.rawValue), .text(cursor ?? ""), .int(Int64(limit))]),
                map: { rows in
                    rows.map { row in
                        let summary = RFMSummary(
                            member: row.text(0) ?? "", frequency: row.int(1) ?? 0, recency: row.int(2) ?? 0,
                            age: row.int(3) ?? 0, repeatSumMinor: row.int(4) ?? 0, totalMinor: row.int(5) ?? 0)
                        let score = RFMScore(
                            summary: summary, r: Int(row.int(6) ?? 1), f: Int(row.int(7) ?? 1), m: Int(row.int(8) ?? 1),
                            group: RFMGroup(rawValue: row.text(9) ?? "") ?? .hibernating)
                        return (score, row.text(10))
                    }
                }), writes: false)
    }
}

extension SQLTesseraStore {
    public func rfmSettings(group: GroupID, brand: BrandID) async throws -> RFMSettings {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT window_days, scheduled FROM rfm_settings WHERE group_id = ? AND brand_id = ?",
                    [.text(group.rawValue), .text(brand.rawValue)]),
                map: { rows in
                    rows.first.map { RFMSettings(windowDays: $0.int(0).map(Int.init), scheduled: $0.bool(1)) }
                        ?? RFMSettings()
                }), writes: false)
    }

    public func saveRFMSettings(_ settings: RFMSettings, group: GroupID, brand: BrandID, at: Date) async throws {
        try await driver.run(
            ExecuteProgram([
                SQLStatement(
                    """
                    INSERT INTO rfm_settings (group_id, brand_id, window_days, scheduled, updated_at) \
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, brand_id) DO UPDATE SET \
                    window_days = excluded.window_days, scheduled = excluded.scheduled, updated_at = excluded.updated_at
                    """,
                    [
                        .text(group.rawValue), .text(brand.rawValue),
                        settings.windowDays.map { .int(Int64($0)) } ?? .null,
                        .bool(settings.scheduled), .int(Timestamp.micros(at)),
                    ])
            ]), writes: true)
    }

    public func claimRFMRun(group: GroupID, brand: BrandID, at: Date, dueBefore: Date) async throws -> Bool {
        try await driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    UPDATE rfm_settings SET last_run_at = ? WHERE group_id = ? AND brand_id = ? AND scheduled \
                    AND (last_run_at IS NULL OR last_run_at <= ?) RETURNING brand_id
                    """,
                    [
                        .int(Timestamp.micros(at)), .text(group.rawValue), .text(brand.rawValue),
                        .int(Timestamp.micros(dueBefore)),
                    ]),
                map: { !$0.isEmpty }), writes: true)
    }
}
