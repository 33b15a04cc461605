/// Indexes only the rows the workers look for: active journey runs by due time, and queued messages
/// and grants by their next attempt. Runs that ended and messages delivered or failed — nearly all of either
/// table — leave these indexes instead of adding an entry with every step: a blast's step wrote its
/// run's end and its message into both (`BENCHMARKS.md`, session 19). The leases' queries state the
/// same status (`status = 'active'`, `status = 'queued'`), which is how both databases match them to
/// the partial indexes.
extension Migration {
    static let partialQueueIndexes = Migration(
        id: "0023_partial_queue_indexes",
        sqlite: statements,
        postgres: statements)

    private static let statements = [
        "DROP INDEX journey_runs_due",
        "CREATE INDEX journey_runs_due ON journey_runs (due_at) WHERE status = 'active'",
        "DROP INDEX journey_messages_queue",
        "CREATE INDEX journey_messages_queue ON journey_messages (next_attempt_at) WHERE status = 'queued'",
        "DROP INDEX journey_grants_queue",
        "CREATE INDEX journey_grants_queue ON journey_grants (next_attempt_at) WHERE status = 'queued'",
    ]
}
