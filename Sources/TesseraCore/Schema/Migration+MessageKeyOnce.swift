/// Drops the unique index on `journey_messages (group_id, idempotency_key)`: a journey message's id
/// *is* its idempotency key (journey, version, member, node, entry, step time), so the primary key
/// already holds every key once, and the second index of the same long keys cost a sixth of each
/// message's insert (`BENCHMARKS.md`, session 19). Steps now skip a message already written by its
/// primary key. SQLite cannot drop a table constraint in place: the table is copied.
extension Migration {
    static let messageKeyOnce = Migration(
        id: "0025_message_key_once",
        sqlite: [
            """
            CREATE TABLE journey_messages_keyed (group_id TEXT NOT NULL, id TEXT NOT NULL, \
            idempotency_key TEXT NOT NULL, journey_id TEXT NOT NULL, version INTEGER NOT NULL, run_id TEXT NOT NULL, \
            node_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, channel TEXT NOT NULL, \
            template TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, created_at INTEGER NOT NULL, \
            delivered_at INTEGER, subject TEXT, body TEXT, attempts INTEGER NOT NULL DEFAULT 0, \
            next_attempt_at INTEGER, lease_until INTEGER, lease_token TEXT, error TEXT, fields TEXT, \
            clicked_at INTEGER, PRIMARY KEY (group_id, id))
            """,
            """
            INSERT INTO journey_messages_keyed SELECT group_id, id, idempotency_key, journey_id, version, run_id, \
            node_id, member_id, brand_id, channel, template, status, reason, created_at, delivered_at, subject, body, \
            attempts, next_attempt_at, lease_until, lease_token, error, fields, clicked_at FROM journey_messages
            """,
            "DROP TABLE journey_messages",
            "ALTER TABLE journey_messages_keyed RENAME TO journey_messages",
            "CREATE INDEX journey_messages_journey ON journey_messages (group_id, journey_id, node_id, status)",
            "CREATE INDEX journey_messages_member ON journey_messages (group_id, member_id, created_at)",
            "CREATE INDEX journey_messages_queue ON journey_messages (next_attempt_at) WHERE status = 'queued'",
        ],
        postgres: [
            "ALTER TABLE journey_messages DROP CONSTRAINT journey_messages_group_id_idempotency_key_key"
        ])
}
