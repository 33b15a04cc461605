/// What journeys give and ask for: grants queued for the loyalty services (with each grant node's
/// budget) and tasks for store guides.
extension Migration {
    static let journeyGrants = Migration(
        id: "0019_journey_grants",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            """
            CREATE TABLE journey_grants (group_id TEXT NOT NULL, id TEXT NOT NULL, journey_id TEXT NOT NULL, \
            version \(int) NOT NULL, run_id TEXT NOT NULL, node_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            brand_id TEXT NOT NULL, kind TEXT NOT NULL, spec \(json) NOT NULL, status TEXT NOT NULL, reason TEXT, \
            result TEXT, error TEXT, attempts \(int) NOT NULL DEFAULT 0, next_attempt_at \(int), lease_until \(int), \
            lease_token TEXT, created_at \(int) NOT NULL, granted_at \(int), PRIMARY KEY (group_id, id))
            """,
            "CREATE INDEX journey_grants_journey ON journey_grants (group_id, journey_id, node_id, status)",
            "CREATE INDEX journey_grants_queue ON journey_grants (status, next_attempt_at)",
            """
            CREATE TABLE journey_budgets (group_id TEXT NOT NULL, journey_id TEXT NOT NULL, node_id TEXT NOT NULL, \
            used \(int) NOT NULL, last_key TEXT, PRIMARY KEY (group_id, journey_id, node_id))
            """,
            """
            CREATE TABLE guide_tasks (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, guide TEXT, journey_id TEXT NOT NULL, node_id TEXT NOT NULL, title TEXT NOT NULL, \
            status TEXT NOT NULL, due_at \(int) NOT NULL, created_at \(int) NOT NULL, completed_at \(int), \
            PRIMARY KEY (group_id, id))
            """,
            "CREATE INDEX guide_tasks_guide ON guide_tasks (group_id, brand_id, guide, status, due_at)",
        ]
    }
}
