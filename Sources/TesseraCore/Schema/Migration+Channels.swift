/// Configured message channels of a brand (a signed webhook…) and the delivery state of queued
/// messages: attempts, the next attempt's time and the dispatcher's lease.
extension Migration {
    static let channels = Migration(
        id: "0016_channels",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            """
            CREATE TABLE channels (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            kind TEXT NOT NULL, config \(json) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, name))
            """,
            "ALTER TABLE journey_messages ADD COLUMN attempts \(int) NOT NULL DEFAULT 0",
            "ALTER TABLE journey_messages ADD COLUMN next_attempt_at \(int)",
            "ALTER TABLE journey_messages ADD COLUMN lease_until \(int)",
            "ALTER TABLE journey_messages ADD COLUMN lease_token TEXT",
            "ALTER TABLE journey_messages ADD COLUMN error TEXT",
            "CREATE INDEX journey_messages_queue ON journey_messages (status, next_attempt_at)",
        ]
    }
}
