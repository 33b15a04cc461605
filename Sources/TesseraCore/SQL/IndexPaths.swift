/// Keeps PostgreSQL's planner on index paths for one transaction of key lookups and keyed writes.
///
/// Queue and ingest tables grow from empty to hundreds of thousands of rows within minutes, faster
/// than autovacuum analyses them. A plan chosen on the statistics of the small table scans the whole
/// table: a journey blast's lease, which reads 500 of 100,000 runs through the `(status, due_at)`
/// index, took 160 ms a call that way and the release by primary key 120 ms, halving a blast's
/// rate in some runs and not in others. Forbidding sequential scans, hash and merge joins with
/// `SET LOCAL` leaves index scans and nested loops, and lasts only until the transaction ends.
/// SQLite's planner has no such statistics trap; there this is no statement at all.
///
/// ```swift
/// try await driver.run(IndexPaths.only(QueryProgram(lease) { … }, dialect: driver.dialect), writes: true)
/// ```
enum IndexPaths {
    /// The `SET LOCAL` statements for `dialect` (none on SQLite).
    static func statements(_ dialect: SQLDialect) -> [SQLStatement] {
        guard dialect == .postgres else { return [] }
        return ["enable_seqscan", "enable_hashjoin", "enable_mergejoin"].map {
            SQLStatement("SET LOCAL \($0) = off", [])
        }
    }

    /// `program`, preceded in its transaction by ``statements(_:)``.
    static func only<Program: SQLProgram>(_ program: Program, dialect: SQLDialect)
        -> ChainedProgram<ExecuteProgram, Program>
    {
        ChainedProgram(ExecuteProgram(statements(dialect))) { _ in program }
    }
}
