/// Growth value, tiers and automatic earning: each member's tier status per brand, the growth
/// ledger, tier history, what each order was credited (and under which rules), per-day counters
/// for caps, the queue of orders and events waiting to earn, and the event names that earn.
extension Migration {
    static let tiers = Migration(
        id: "0005_tiers_and_earning",
        sqlite: statements(integer: "INTEGER", suffix: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", suffix: ""))

    /// Both dialects differ only in the integer type and SQLite's clustered keys.
    private static func statements(integer int: String, suffix: String) -> [String] {
        [
            """
            CREATE TABLE loyalty_members (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            tier TEXT, tier_since \(int), period_growth \(int) NOT NULL DEFAULT 0, period_end \(int), grace_until \(int), \
            review_at \(int), anchor \(int) NOT NULL, \
            growth \(int) NOT NULL DEFAULT 0, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, brand_id, member_id))\(suffix)
            """,
            "CREATE INDEX loyalty_members_review ON loyalty_members (review_at) WHERE review_at IS NOT NULL",
            """
            CREATE TABLE growth_entries (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, growth \(int) NOT NULL, reason TEXT NOT NULL, source_type TEXT NOT NULL, \
            source_id TEXT, idempotency_key TEXT NOT NULL, occurred_at \(int) NOT NULL, PRIMARY KEY (group_id, id), \
            UNIQUE (group_id, brand_id, idempotency_key))
            """,
            "CREATE INDEX growth_entries_member ON growth_entries (group_id, brand_id, member_id, occurred_at)",
            """
            CREATE TABLE tier_changes (group_id TEXT NOT NULL, id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, from_tier TEXT, to_tier TEXT NOT NULL, reason TEXT NOT NULL, \
            occurred_at \(int) NOT NULL, PRIMARY KEY (group_id, id))
            """,
            "CREATE INDEX tier_changes_member ON tier_changes (group_id, brand_id, member_id, occurred_at)",
            """
            CREATE TABLE loyalty_orders (group_id TEXT NOT NULL, order_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, program_version \(int) NOT NULL, tier TEXT, points_limit \(int), day TEXT NOT NULL, \
            points \(int) NOT NULL, growth \(int) NOT NULL, pending \(int) NOT NULL, release_at \(int), \
            revision \(int) NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, order_id), \
            CHECK (points >= 0 AND pending >= 0))
            """,
            "CREATE INDEX loyalty_orders_pending ON loyalty_orders (group_id, brand_id, member_id) WHERE pending > 0",
            """
            CREATE TABLE loyalty_daily (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, \
            day TEXT NOT NULL, counter TEXT NOT NULL, amount \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, member_id, day, counter))\(suffix)
            """,
            """
            CREATE TABLE loyalty_queue (group_id TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, \
            due_at \(int) NOT NULL, attempts \(int) NOT NULL DEFAULT 0, last_error TEXT, \
            PRIMARY KEY (group_id, kind, ref))
            """,
            "CREATE INDEX loyalty_queue_due ON loyalty_queue (due_at)",
            """
            CREATE TABLE loyalty_event_names (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            PRIMARY KEY (group_id, brand_id, name))\(suffix)
            """,
        ]
    }
}
