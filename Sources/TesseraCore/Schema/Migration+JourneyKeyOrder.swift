/// Puts the most selective column first in the keys of PostgreSQL's busiest journey indexes:
/// `journey_runs` by `(id, group_id)` and by `(journey_id, member_id, entry_key, group_id)`, its active
/// runs by `(member_id, group_id, wake_on)`, `journey_messages` by `(id, group_id)` and by
/// `(member_id, group_id, created_at)`. Every key comparison in a B-tree first compared the group id —
/// 36 equal bytes in every row of a tenant, through a collation-aware function call — and, for the
/// entry key, the journey id after it, before reaching a column that differs; key comparisons were a
/// fifth of PostgreSQL's CPU in a blast. Inserting 1,000,000 runs took 23–25% less, 500,000 messages
/// 10–12% less (`BENCHMARKS.md`, session 21). Every reader names all the key columns it looks up by
/// with `=` or `IN`, or reads by journey (the entry key still starts with it); `ON CONFLICT` names the
/// same column sets, which PostgreSQL matches in any order. SQLite compares keys bytewise without a
/// function call per column, and re-keying would copy its tables: it keeps its keys.
extension Migration {
    static let journeyKeyOrder = Migration(
        id: "0030_journey_key_order",
        sqlite: [],
        postgres: [
            "ALTER TABLE journey_runs DROP CONSTRAINT journey_runs_pkey, ADD PRIMARY KEY (id, group_id)",
            """
            ALTER TABLE journey_runs DROP CONSTRAINT journey_runs_group_id_journey_id_member_id_entry_key_key, \
            ADD CONSTRAINT journey_runs_entry UNIQUE (journey_id, member_id, entry_key, group_id)
            """,
            "DROP INDEX journey_runs_member",
            "CREATE INDEX journey_runs_member ON journey_runs (member_id, group_id, wake_on) WHERE status = 'active'",
            "ALTER TABLE journey_messages DROP CONSTRAINT journey_messages_pkey, ADD PRIMARY KEY (id, group_id)",
            "DROP INDEX journey_messages_member",
            "CREATE INDEX journey_messages_member ON journey_messages (member_id, group_id, created_at)",
        ])
}
