/// Every member's events summarised per brand and event name — the first and last time and how many —
/// so that segment rules asking "did E within the last N days", "never did E" or "did E n times" read
/// one row per member instead of scanning the brand's events (issue 4: "segment rules read these
/// aggregates instead of scanning events wherever possible"; ``SegmentSQL`` says which rules can).
///
/// The summary is kept by a trigger on `events` rather than by each writer, because several writers
/// insert with `ON CONFLICT DO NOTHING` (domain events, replays) and only the database knows which
/// rows really went in. SQLite runs a row trigger (a primary-key upsert per event); PostgreSQL a
/// statement trigger over the transition table, one grouped upsert per statement, in key order so
/// that concurrent writers lock summary rows in the same order. Merges move events with `UPDATE`,
/// which the trigger does not follow: ``StoreSQL`` rebuilds the summaries of the members involved.
///
/// Existing events are summarised by the migration itself (about a minute per 20M events).
extension Migration {
    static let memberEventStats = Migration(
        id: "0033_member_event_stats",
        sqlite: [
            """
            CREATE TABLE member_event_stats (group_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            name TEXT NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, times INTEGER NOT NULL, \
            PRIMARY KEY (group_id, member_id, brand_id, name)) WITHOUT ROWID
            """,
            """
            INSERT INTO member_event_stats (group_id, member_id, brand_id, name, first_at, last_at, times) \
            SELECT group_id, member_id, brand_id, name, min(occurred_at), max(occurred_at), count(*) FROM events \
            WHERE member_id IS NOT NULL AND brand_id IS NOT NULL AND name IS NOT NULL \
            GROUP BY group_id, member_id, brand_id, name
            """,
            """
            CREATE TRIGGER events_summarised AFTER INSERT ON events \
            WHEN NEW.member_id IS NOT NULL AND NEW.brand_id IS NOT NULL AND NEW.name IS NOT NULL BEGIN \
            INSERT INTO member_event_stats (group_id, member_id, brand_id, name, first_at, last_at, times) \
            VALUES (NEW.group_id, NEW.member_id, NEW.brand_id, NEW.name, NEW.occurred_at, NEW.occurred_at, 1) \
            ON CONFLICT (group_id, member_id, brand_id, name) DO UPDATE SET \
            first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at), times = times + 1; \
            END
            """,
        ],
        postgres: [
            """
            CREATE TABLE member_event_stats (group_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            name TEXT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, times BIGINT NOT NULL, \
            PRIMARY KEY (group_id, member_id, brand_id, name)) WITH (fillfactor = 80)
            """,
            """
            INSERT INTO member_event_stats (group_id, member_id, brand_id, name, first_at, last_at, times) \
            SELECT group_id, member_id, brand_id, name, min(occurred_at), max(occurred_at), count(*) FROM events \
            WHERE member_id IS NOT NULL AND brand_id IS NOT NULL AND name IS NOT NULL \
            GROUP BY group_id, member_id, brand_id, name
            """,
            """
            CREATE FUNCTION member_event_stats_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
            INSERT INTO member_event_stats AS s (group_id, member_id, brand_id, name, first_at, last_at, times) \
            SELECT group_id, member_id, brand_id, name, min(occurred_at), max(occurred_at), count(*) FROM inserted \
            WHERE member_id IS NOT NULL AND brand_id IS NOT NULL AND name IS NOT NULL \
            GROUP BY group_id, member_id, brand_id, name ORDER BY group_id, member_id, brand_id, name \
            ON CONFLICT (group_id, member_id, brand_id, name) DO UPDATE SET \
            first_at = LEAST(s.first_at, excluded.first_at), last_at = GREATEST(s.last_at, excluded.last_at), \
            times = s.times + excluded.times; \
            RETURN NULL; END $$
            """,
            """
            CREATE TRIGGER events_summarised AFTER INSERT ON events REFERENCING NEW TABLE AS inserted \
            FOR EACH STATEMENT EXECUTE FUNCTION member_event_stats_add()
            """,
        ])
}
