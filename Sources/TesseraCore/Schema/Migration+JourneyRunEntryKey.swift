/// Makes PostgreSQL's `journey_runs` keyed by its entry — `(journey_id, member_id, entry_key,
/// group_id)`, unique already — instead of by run id. Nothing in the engine looks a run up by id: a
/// lease answers each run's row address and the step finds it there, and a run whose row moved is
/// found by its entry (``JourneySQL/moves(_:token:at:dialect:)``). The id index was one of the two
/// index entries a run's end writes (the end cannot be heap-only: the due index reads its status)
/// and one of three a run's entry writes: 222,223 ends by address took 3.0–4.2 s with it and 2.2 s
/// without, one backend (`BENCHMARKS.md`, session 22). Run ids stay unique by construction (a
/// generated id, or the journey, entry key and member of a scheduled entry). SQLite keeps its key:
/// an end rewrites only the entries of indexes whose columns change, and re-keying would copy the table.
extension Migration {
    static let journeyRunEntryKey = Migration(
        id: "0032_journey_run_entry_key",
        sqlite: [],
        postgres: [
            """
            ALTER TABLE journey_runs DROP CONSTRAINT journey_runs_pkey, DROP CONSTRAINT journey_runs_entry, \
            ADD CONSTRAINT journey_runs_pkey PRIMARY KEY (journey_id, member_id, entry_key, group_id)
            """
        ])
}
