/// Every member's sample bucket (`0..<10_000`), for segment size estimates over a fixed uniform
/// sample (``SegmentEstimate``), and the index that reads one sample without touching the rest.
/// The index is partial — only the buckets an estimate may read — so four in five new members add
/// no index entry, and no planner mistakes it for a way to scan a whole group (SQLite did: its
/// rowid lookups in bucket order made full segment counts 50% slower).
///
/// New members get the hash of their id (``SegmentEstimate/bucket(of:)``); members that existed
/// before this migration get a random bucket — just as uniform, and fixed from then on. On
/// PostgreSQL the column has no default afterwards, so an insert that forgets it fails loudly.
extension Migration {
    static let memberSample = Migration(
        id: "0021_member_sample",
        sqlite: [
            "ALTER TABLE members ADD COLUMN sample INTEGER NOT NULL DEFAULT 0",
            "UPDATE members SET sample = abs(random() % 10000)",
            "CREATE INDEX members_sample ON members (group_id, sample) WHERE sample < 2000",
        ],
        postgres: [
            "ALTER TABLE members ADD COLUMN sample INTEGER NOT NULL DEFAULT 0",
            "UPDATE members SET sample = floor(random() * 10000)::integer",
            "ALTER TABLE members ALTER COLUMN sample DROP DEFAULT",
            "CREATE INDEX members_sample ON members (group_id, sample) WHERE sample < 2000",
        ])
}
