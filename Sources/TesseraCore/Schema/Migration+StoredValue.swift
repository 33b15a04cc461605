/// Stored value (储值): one account row per member and brand (the lock and the cached balances)
/// and immutable entries.
extension Migration {
    static let storedValue = Migration(
        id: "0007_stored_value",
        sqlite: statements(integer: "INTEGER"),
        postgres: statements(integer: "BIGINT"))

    private static func statements(integer int: String) -> [String] {
        [
            """
            CREATE TABLE stored_value_accounts (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            principal \(int) NOT NULL, bonus \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id), CHECK (principal >= 0 AND bonus >= 0))
            """,
            """
            CREATE TABLE stored_value_entries (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, kind TEXT NOT NULL, principal \(int) NOT NULL, bonus \(int) NOT NULL, \
            reason TEXT NOT NULL, source_type TEXT NOT NULL, source_id TEXT, idempotency_key TEXT NOT NULL, \
            refund_of TEXT, occurred_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, idempotency_key))
            """,
            "CREATE INDEX stored_value_entries_member ON stored_value_entries (group_id, brand_id, member_id, occurred_at)",
            "CREATE INDEX stored_value_entries_refunds ON stored_value_entries (group_id, refund_of) WHERE refund_of IS NOT NULL",
        ]
    }
}
