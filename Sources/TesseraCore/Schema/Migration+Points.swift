/// Loyalty programmes (versioned configuration per brand) and the points ledger: one account row
/// per member and brand (the lock and the cached balance), lots, and immutable entries.
extension Migration {
    static let points = Migration(
        id: "0004_points_ledger",
        sqlite: [
            """
            CREATE TABLE loyalty_programs (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, version INTEGER NOT NULL, \
            config TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (group_id, brand_id, version))
            """,
            """
            CREATE TABLE points_accounts (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            balance INTEGER NOT NULL CHECK (balance >= 0), debt INTEGER NOT NULL CHECK (debt >= 0), updated_at INTEGER NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id)) WITHOUT ROWID
            """,
            """
            CREATE TABLE points_lots (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, earned_at INTEGER NOT NULL, expires_at INTEGER, amount INTEGER NOT NULL, \
            remaining INTEGER NOT NULL, PRIMARY KEY (group_id, id), CHECK (remaining >= 0 AND remaining <= amount))
            """,
            "CREATE INDEX points_lots_open ON points_lots (group_id, brand_id, member_id) WHERE remaining > 0",
            """
            CREATE INDEX points_lots_due ON points_lots (group_id, expires_at) \
            WHERE remaining > 0 AND expires_at IS NOT NULL
            """,
            """
            CREATE TABLE points_entries (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, kind TEXT NOT NULL, points INTEGER NOT NULL, debt INTEGER NOT NULL, \
            reason TEXT NOT NULL, source_type TEXT NOT NULL, source_id TEXT, idempotency_key TEXT NOT NULL, \
            consumed TEXT NOT NULL, occurred_at INTEGER NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, idempotency_key))
            """,
            "CREATE INDEX points_entries_member ON points_entries (group_id, brand_id, member_id, occurred_at)",
        ],
        postgres: [
            """
            CREATE TABLE loyalty_programs (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, version INTEGER NOT NULL, \
            config JSONB NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (group_id, brand_id, version))
            """,
            """
            CREATE TABLE points_accounts (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            balance BIGINT NOT NULL, debt BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id), CHECK (balance >= 0 AND debt >= 0))
            """,
            """
            CREATE TABLE points_lots (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, earned_at BIGINT NOT NULL, expires_at BIGINT, amount BIGINT NOT NULL, \
            remaining BIGINT NOT NULL, PRIMARY KEY (group_id, id), CHECK (remaining >= 0 AND remaining <= amount))
            """,
            "CREATE INDEX points_lots_open ON points_lots (group_id, brand_id, member_id) WHERE remaining > 0",
            """
            CREATE INDEX points_lots_due ON points_lots (group_id, expires_at) \
            WHERE remaining > 0 AND expires_at IS NOT NULL
            """,
            """
            CREATE TABLE points_entries (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, kind TEXT NOT NULL, points BIGINT NOT NULL, debt BIGINT NOT NULL, \
            reason TEXT NOT NULL, source_type TEXT NOT NULL, source_id TEXT, idempotency_key TEXT NOT NULL, \
            consumed JSONB NOT NULL, occurred_at BIGINT NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, idempotency_key))
            """,
            "CREATE INDEX points_entries_member ON points_entries (group_id, brand_id, member_id, occurred_at)",
        ]
    )
}
