/// Drops the primary key of `journey_visits`. A step's visits are written once: the transaction that
/// writes them also moves the run, and only while the run is still leased to the writer (the update
/// answers the runs it moved, and only their effects are written), so the key guarded nothing the
/// lease does not. It cost an insert into a B-tree of random run ids for every node a member passed —
/// two per member in a blast — where the rows and the journey index are otherwise appended in order
/// (`BENCHMARKS.md`, session 19). SQLite cannot drop a table's key in place: the table is copied.
extension Migration {
    static let unkeyedJourneyVisits = Migration(
        id: "0024_unkeyed_journey_visits",
        sqlite: [
            """
            CREATE TABLE journey_visits_unkeyed (group_id TEXT NOT NULL, run_id TEXT NOT NULL, node_id TEXT NOT NULL, \
            at INTEGER NOT NULL, journey_id TEXT NOT NULL, version INTEGER NOT NULL, member_id TEXT NOT NULL, branch TEXT)
            """,
            """
            INSERT INTO journey_visits_unkeyed (group_id, run_id, node_id, at, journey_id, version, member_id, branch) \
            SELECT group_id, run_id, node_id, at, journey_id, version, member_id, branch FROM journey_visits ORDER BY at
            """,
            "DROP TABLE journey_visits",
            "ALTER TABLE journey_visits_unkeyed RENAME TO journey_visits",
            "CREATE INDEX journey_visits_journey ON journey_visits (group_id, journey_id, node_id, branch)",
        ],
        postgres: ["ALTER TABLE journey_visits DROP CONSTRAINT journey_visits_pkey"])
}
