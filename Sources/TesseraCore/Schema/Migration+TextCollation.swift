/// Every text column of Tessera's tables on PostgreSQL compares byte by byte (`COLLATE "C"`), as
/// SQLite's always do.
///
/// Why: a column of the database's default collation compares through the C library's `strcoll`
/// unless that collation is `C` itself — for every probe of every index on an id, a key or a code.
/// Databases are usually created with the operating system's locale, `en_US.UTF-8` for one (the
/// official `postgres` container image's default), and there ingest ran 22% slower end to end than
/// in a `C` database (12,104–12,137 against 15,331–15,642 events/s; `C.UTF-8`, this project's test
/// clusters: 15,003–15,452; BENCHMARKS.md, session 34).
///
/// It is also what the code already assumes: identifiers, keys and cursors are ordered in Swift by
/// their bytes, and a linguistic collation orders `a-b`, `aB` and `ab` otherwise (and ignores
/// punctuation at first), so a keyset page could skip or repeat a row.
///
/// Changing a text column's collation rewrites no table, but rebuilds the indexes on the column:
/// each table's columns change in one `ALTER TABLE`, so each index is rebuilt once. Only the
/// columns not yet `C` change, so the migration costs nothing on a database created with these
/// columns. Every later migration declares `COLLATE "C"` on the text columns of its PostgreSQL
/// tables (SQLite has no such collation; its `BINARY` is the same order); a contract test checks
/// every table a fresh migration creates. The ingest log's table has its own migration
/// (``IngestLogMigrations``).
extension Migration {
    static let textCollation = Migration(
        id: "0035_text_collation",
        sqlite: [],
        postgres: [
            collateTextColumns(ofTables: [
                "api_keys", "attribute_definitions", "benefit_uses", "brands", "cart_events", "cart_items",
                "channels", "coupon_templates", "coupons", "events", "groups", "growth_entries", "guide_tasks",
                "journey_budgets", "journey_event_scans", "journey_grants", "journey_links", "journey_messages",
                "journey_node_counts", "journey_runs", "journey_schedules", "journey_triggers", "journey_versions",
                "journey_visits", "journeys", "loyalty_daily", "loyalty_event_names", "loyalty_members",
                "loyalty_orders", "loyalty_programs", "loyalty_queue", "member_benefits", "member_brands",
                "member_channels", "member_follows", "member_identifiers", "member_merges", "member_scores",
                "member_stages", "member_tags", "members", "merge_candidates", "message_templates",
                "messaging_settings", "order_items", "orders", "points_accounts", "points_entries", "points_lots",
                "purchase_facts", "rfm_scores", "rfm_settings", "schema_migrations", "score_models",
                "segment_members", "segments", "staff", "stored_value_accounts", "stored_value_entries", "stores",
                "tag_history", "tags", "tier_changes",
            ])
        ])

    /// A PL/pgSQL block that gives every text column of `tables` that is not yet `COLLATE "C"`
    /// that collation, with one `ALTER TABLE` per table. Tables that do not exist are skipped.
    /// PostgreSQL only; also for the benchmark's baseline tables, so they compare as Tessera's do.
    public static func collateTextColumns(ofTables tables: [String]) -> String {
        let names = tables.map { "'\($0)'" }.joined(separator: ", ")
        return """
            DO $$ DECLARE target record; BEGIN \
            FOR target IN SELECT c.relname, string_agg(format('ALTER COLUMN %I TYPE text COLLATE "C"', a.attname), \
            ', ' ORDER BY a.attnum) AS changes FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' \
            AND c.relname = ANY (ARRAY[\(names)]) AND a.attnum > 0 AND NOT a.attisdropped \
            AND a.atttypid = 'text'::regtype AND a.attcollation <> 'pg_catalog."C"'::regcollation \
            GROUP BY c.relname ORDER BY c.relname LOOP \
            EXECUTE format('ALTER TABLE %I ', target.relname) || target.changes; END LOOP; END $$
            """
    }
}
