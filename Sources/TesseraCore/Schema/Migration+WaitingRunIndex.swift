/// Keeps only runs waiting for an event in the member index of `journey_runs`, the index the
/// wake-ups read (``JourneyTrigger``: a member's runs whose `wake_on` names one of an event's names).
/// A run that waits for nothing — every run of a scheduled blast — was an entry nobody would look up,
/// written when it entered: about a sixth of entering a segment's chunk on PostgreSQL
/// (`BENCHMARKS.md`, session 22). `wake_on IN (…)` implies `wake_on IS NOT NULL`, so both databases
/// still answer the wake-ups from the index.
extension Migration {
    static let waitingRunIndex = Migration(
        id: "0031_waiting_run_index",
        sqlite: [
            "DROP INDEX journey_runs_member",
            "CREATE INDEX journey_runs_member ON journey_runs (group_id, member_id, wake_on) WHERE wake_on IS NOT NULL",
        ],
        postgres: [
            "DROP INDEX journey_runs_member",
            """
            CREATE INDEX journey_runs_member ON journey_runs (member_id, group_id, wake_on) \
            WHERE status = 'active' AND wake_on IS NOT NULL
            """,
        ])
}
