/// Keeps only active runs in PostgreSQL's member index of `journey_runs`, which only the wake-ups of
/// waiting runs read (``JourneyTrigger``): a run's end — an update that cannot be heap-only, since
/// the due index reads its status — then writes entries into two indexes instead of three. SQLite
/// keeps the index whole: it rewrites only the entries of indexes whose columns change, and an end
/// changes none of this one's (`BENCHMARKS.md`, session 21).
extension Migration {
    static let activeRunMemberIndex = Migration(
        id: "0029_active_run_member_index",
        sqlite: [],
        postgres: [
            "DROP INDEX journey_runs_member",
            "CREATE INDEX journey_runs_member ON journey_runs (group_id, member_id, wake_on) WHERE status = 'active'",
        ])
}
