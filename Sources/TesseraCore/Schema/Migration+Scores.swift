/// Behaviour scores and lifecycle models (definitions) and members' current values and stages;
/// each brand's RFM settings (window, schedule).
extension Migration {
    static let scores = Migration(
        id: "0010_scores",
        sqlite: statements(integer: "INTEGER", json: "TEXT", clustered: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", json: "JSONB", clustered: ""))

    private static func statements(integer int: String, json: String, clustered: String) -> [String] {
        [
            """
            CREATE TABLE score_models (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, kind TEXT NOT NULL, \
            name TEXT NOT NULL, definition \(json) NOT NULL, created_at \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, kind, name))
            """,
            """
            CREATE TABLE member_scores (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            score TEXT NOT NULL, value \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id, score))\(clustered)
            """,
            "CREATE INDEX member_scores_score ON member_scores (group_id, brand_id, score, value)",
            """
            CREATE TABLE member_stages (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            model TEXT NOT NULL, stage TEXT NOT NULL, since \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id, model))\(clustered)
            """,
            "CREATE INDEX member_stages_stage ON member_stages (group_id, brand_id, model, stage)",
            """
            CREATE TABLE rfm_settings (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, window_days \(int), \
            scheduled BOOLEAN NOT NULL, last_run_at \(int), updated_at \(int) NOT NULL, PRIMARY KEY (group_id, brand_id))
            """,
        ]
    }
}
