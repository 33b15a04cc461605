/// Every member's events summarised per brand and event name — the first and last time and how many —
/// so that segment rules asking "did E within the last N days", "never did E" or "did E n times" read
/// one row per member instead of scanning the brand's events (issue 4: "segment rules read these
/// aggregates instead of scanning events wherever possible"; ``SegmentSQL`` says which rules can).
///
/// The summary is kept by a trigger on `events` rather than by each writer, because several writers
/// insert with `ON CONFLICT DO NOTHING` (domain events, replays) and only the database knows which
/// rows really went in: a primary-key upsert per inserted event. Merges move events with `UPDATE`,
/// which the trigger does not follow: ``StoreSQL`` rebuilds the summaries of the members involved.
/// Existing events are summarised by the migration itself (45 s for 20M events).
///
/// **SQLite only.** PostgreSQL computes those conditions faster from the events' index range,
/// hashed in parallel (segment (a) of `tessera bench segments`: 0.63 s, against 1.3 s with probes of
/// the summaries and 0.83 s with an index of them by name), and the summaries cost its writers a
/// grouped upsert per statement (a trigger over the transition table: 14 µs more per single-row
/// insert, about 25 µs per row of a batch; 13% fewer points redemptions per second as store calls).
/// So on PostgreSQL this migration creates nothing, and no statement there reads or writes them.
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
        postgres: [])
}

extension SQLDialect {
    /// Whether this database keeps per-member event summaries (`member_event_stats`): SQLite only —
    /// ``Migration/memberEventStats`` says why. Every reader and writer of them asks this.
    public var keepsEventSummaries: Bool { self == .sqlite }
}
