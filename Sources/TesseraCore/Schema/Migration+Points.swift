/// Loyalty programmes (versioned configuration per brand) and the points ledger: one account row
/// per member and brand (the lock and the cached balance), lots, and immutable entries.
extension Migration {
    static let points = Migration(
        id: "0004_points_ledger",
        sqlite: statements(integer: "INTEGER", json: "TEXT", clustered: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", json: "JSONB", clustered: ""))

    /// Both dialects differ only in the integer and JSON types and SQLite's clustered keys.
    private static func statements(integer int: String, json: String, clustered: String) -> [String] {
        [
            """
            CREATE TABLE loyalty_programs (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, version INTEGER NOT NULL, \
            config \(json) NOT NULL, created_at \(int) NOT NULL, PRIMARY KEY (group_id, brand_id, version))
            """,
            """
            CREATE TABLE points_accounts (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            balance \(int) NOT NULL, debt \(int) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id), CHECK (balance >= 0 AND debt >= 0))\(clustered)
            """,
            """
            CREATE TABLE points_lots (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, earned_at \(int) NOT NULL, expires_at \(int), amount \(int) NOT NULL, \
            remaining \(int) NOT NULL, PRIMARY KEY (group_id, id), CHECK (remaining >= 0 AND remaining <= amount))
            """,
            "CREATE INDEX points_lots_open ON points_lots (group_id, brand_id, member_id) WHERE remaining > 0",
            """
            CREATE INDEX points_lots_due ON points_lots (group_id, expires_at) \
            WHERE remaining > 0 AND expires_at IS NOT NULL
            """,
            """
            CREATE TABLE points_entries (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, kind TEXT NOT NULL, points \(int) NOT NULL, debt \(int) NOT NULL, \
            reason TEXT NOT NULL, source_type TEXT NOT NULL, source_id TEXT, idempotency_key TEXT NOT NULL, \
            consumed \(json) NOT NULL, occurred_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, idempotency_key))
            """,
            "CREATE INDEX points_entries_member ON points_entries (group_id, brand_id, member_id, occurred_at)",
        ]
    }
}
