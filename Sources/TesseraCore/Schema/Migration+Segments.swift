/// Tags (catalogue, members' tags and their history), segments (definitions and memberships) and
/// RFM scores.
extension Migration {
    static let segments = Migration(
        id: "0009_tags_segments",
        sqlite: statements(integer: "INTEGER", json: "TEXT", clustered: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", json: "JSONB", clustered: ""))

    private static func statements(integer int: String, json: String, clustered: String) -> [String] {
        [
            """
            CREATE TABLE tags (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            category TEXT NOT NULL, kind TEXT NOT NULL, description TEXT, rule \(json), \
            created_at \(int) NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, brand_id, name))
            """,
            """
            CREATE TABLE member_tags (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            tag TEXT NOT NULL, source TEXT NOT NULL, actor TEXT NOT NULL, tagged_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id, tag))\(clustered)
            """,
            "CREATE INDEX member_tags_tag ON member_tags (group_id, brand_id, tag, member_id)",
            """
            CREATE TABLE tag_history (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, tag TEXT NOT NULL, action TEXT NOT NULL, source TEXT NOT NULL, \
            actor TEXT NOT NULL, occurred_at \(int) NOT NULL, PRIMARY KEY (group_id, id))
            """,
            "CREATE INDEX tag_history_member ON tag_history (group_id, brand_id, member_id, occurred_at)",
            """
            CREATE TABLE segments (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            name TEXT NOT NULL, kind TEXT NOT NULL, rule \(json) NOT NULL, \
            computed_at \(int), created_at \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, id), UNIQUE (group_id, brand_id, name))
            """,
            """
            CREATE TABLE segment_members (group_id TEXT NOT NULL, segment_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            entered_at \(int) NOT NULL, PRIMARY KEY (group_id, segment_id, member_id))\(clustered)
            """,
            "CREATE INDEX segment_members_member ON segment_members (group_id, member_id)",
            """
            CREATE TABLE rfm_scores (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            frequency \(int) NOT NULL, recency_days \(int) NOT NULL, age_days \(int) NOT NULL, \
            repeat_sum_minor \(int) NOT NULL, total_minor \(int) NOT NULL, r \(int) NOT NULL, f \(int) NOT NULL, \
            m \(int) NOT NULL, rfm_group TEXT NOT NULL, computed_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id))\(clustered)
            """,
        ]
    }
}
