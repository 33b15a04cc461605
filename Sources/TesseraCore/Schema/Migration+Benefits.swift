/// Benefits granted to single members, every use of a benefit, and the points-benefit multiplier
/// each credited order was earned under.
extension Migration {
    static let benefits = Migration(
        id: "0008_benefits",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            """
            CREATE TABLE member_benefits (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, config \(json) NOT NULL, valid_from \(int) NOT NULL, valid_until \(int), \
            status TEXT NOT NULL, grant_key TEXT NOT NULL, created_at \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, id), UNIQUE (group_id, brand_id, grant_key))
            """,
            "CREATE INDEX member_benefits_member ON member_benefits (group_id, brand_id, member_id)",
            """
            CREATE TABLE benefit_uses (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, benefit_ref TEXT NOT NULL, use_key TEXT NOT NULL, used_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, id), UNIQUE (group_id, brand_id, use_key))
            """,
            "CREATE INDEX benefit_uses_member ON benefit_uses (group_id, brand_id, member_id, benefit_ref, used_at)",
            "ALTER TABLE loyalty_orders ADD COLUMN benefit_percent \(int) NOT NULL DEFAULT 100",
        ]
    }
}
