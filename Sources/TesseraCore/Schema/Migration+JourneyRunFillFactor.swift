/// Leaves half of every new `journey_runs` page free on PostgreSQL, so that leasing a run — a change
/// to its lease columns only, indexed nowhere — writes the new row version on the same page (a
/// heap-only tuple) instead of an entry in each of the table's four indexes. In a blast every lease
/// became heap-only (1% before; 70 left room for 17%), about +8% messages/s over four alternated
/// pairs (`BENCHMARKS.md`, session 19), for a table twice the size on disk. The update that moves a
/// run changes its status, which the due index reads, so it cannot be heap-only whatever the room.
/// SQLite has no such setting.
extension Migration {
    static let journeyRunFillFactor = Migration(
        id: "0027_journey_run_fillfactor",
        sqlite: [],
        postgres: ["ALTER TABLE journey_runs SET (fillfactor = 50)"])
}
