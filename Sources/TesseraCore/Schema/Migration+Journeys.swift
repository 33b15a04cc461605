/// Journeys: definitions and their published versions, the event triggers and schedules that enter
/// members, each member's run (position, due time, lease), the nodes runs passed and the outbox of
/// messages handed to channels.
extension Migration {
    static let journeys = Migration(
        id: "0013_journeys",
        sqlite: statements(integer: "INTEGER", bool: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", bool: "BOOLEAN", json: "JSONB"))

    private static func statements(integer int: String, bool: String, json: String) -> [String] {
        [
            """
            CREATE TABLE journeys (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            name TEXT NOT NULL, status TEXT NOT NULL, version \(int) NOT NULL, draft \(json) NOT NULL, \
            created_at \(int) NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, name))
            """,
            """
            CREATE TABLE journey_versions (group_id TEXT NOT NULL, journey_id TEXT NOT NULL, version \(int) NOT NULL, \
            definition \(json) NOT NULL, published_at \(int) NOT NULL, PRIMARY KEY (group_id, journey_id, version))
            """,
            """
            CREATE TABLE journey_triggers (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            journey_id TEXT NOT NULL, version \(int) NOT NULL, PRIMARY KEY (group_id, brand_id, name, journey_id))
            """,
            """
            CREATE TABLE journey_schedules (group_id TEXT NOT NULL, journey_id TEXT NOT NULL, version \(int) NOT NULL, \
            due_at \(int) NOT NULL, done \(bool) NOT NULL, PRIMARY KEY (group_id, journey_id, version))
            """,
            """
            CREATE TABLE journey_runs (group_id TEXT NOT NULL, id TEXT NOT NULL, journey_id TEXT NOT NULL, \
            version \(int) NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, entry_key TEXT NOT NULL, \
            node_id TEXT NOT NULL, since \(int) NOT NULL, entered_at \(int) NOT NULL, entering \(bool) NOT NULL, \
            status TEXT NOT NULL, due_at \(int) NOT NULL, wake_on TEXT, lease_until \(int), lease_token TEXT, \
            outcome TEXT, finished_at \(int), updated_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, journey_id, member_id, entry_key))
            """,
            "CREATE INDEX journey_runs_due ON journey_runs (status, due_at)",
            "CREATE INDEX journey_runs_member ON journey_runs (group_id, member_id, wake_on)",
            """
            CREATE TABLE journey_visits (group_id TEXT NOT NULL, run_id TEXT NOT NULL, node_id TEXT NOT NULL, \
            at \(int) NOT NULL, journey_id TEXT NOT NULL, version \(int) NOT NULL, member_id TEXT NOT NULL, \
            branch TEXT, PRIMARY KEY (group_id, run_id, node_id, at))
            """,
            "CREATE INDEX journey_visits_journey ON journey_visits (group_id, journey_id, node_id, branch)",
            """
            CREATE TABLE journey_messages (group_id TEXT NOT NULL, id TEXT NOT NULL, idempotency_key TEXT NOT NULL, \
            journey_id TEXT NOT NULL, version \(int) NOT NULL, run_id TEXT NOT NULL, node_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, brand_id TEXT NOT NULL, channel TEXT NOT NULL, template TEXT NOT NULL, \
            status TEXT NOT NULL, reason TEXT, created_at \(int) NOT NULL, delivered_at \(int), \
            PRIMARY KEY (group_id, id), UNIQUE (group_id, idempotency_key))
            """,
            "CREATE INDEX journey_messages_journey ON journey_messages (group_id, journey_id, node_id, status)",
            "CREATE INDEX journey_messages_member ON journey_messages (group_id, member_id, created_at)",
        ]
    }
}
