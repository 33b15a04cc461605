/// Enters a schedule's segment a chunk of members at a time (``JourneySQL/entryChunk``), each chunk
/// its own transaction, remembering the last member entered: a 1M-member occurrence was one
/// transaction of 14 s on PostgreSQL, which held SQLite's single writer for all of it and left a
/// core idle while no step could start (`BENCHMARKS.md`, session 21). Null when no occurrence is
/// part-entered.
extension Migration {
    static let scheduleEntryCursor = Migration(
        id: "0028_schedule_entry_cursor",
        sqlite: ["ALTER TABLE journey_schedules ADD COLUMN entered_through TEXT"],
        postgres: ["ALTER TABLE journey_schedules ADD COLUMN entered_through TEXT"])
}
