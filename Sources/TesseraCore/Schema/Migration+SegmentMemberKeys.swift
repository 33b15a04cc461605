/// Keys `segment_members` by segment first, and finds a member's segments by `member_id` alone:
/// primary key `(segment_id, member_id, group_id)`, index `(member_id)`.
///
/// Both keys led with `group_id`, which is the same for every row a statement touches: each index
/// entry carried 36 more characters up front and every comparison walked that column before the
/// one that decides. Creating a segment writes all its members at once — 132,185 rows for segment
/// (a) of `tessera bench segments` — and on PostgreSQL that write took as long as computing the
/// segment: creating (a) took 1.02–1.16 s with the old keys and 0.89–0.97 s with these
/// (BENCHMARKS.md, session 27).
///
/// The primary key still contains the group, so it guards exactly what it guarded before: a
/// segment id is unique only within its group (`segments` is keyed by group), and two groups'
/// memberships can never collide. The member index needs no group: member ids are minted by
/// Tessera, and every statement that reads it also names the group, so a key never reads another
/// group's memberships.
///
/// SQLite cannot change a table's primary key in place: the table is copied, in key order.
extension Migration {
    static let segmentMemberKeys = Migration(
        id: "0034_segment_member_keys",
        sqlite: [
            """
            CREATE TABLE segment_members_keyed (group_id TEXT NOT NULL, segment_id TEXT NOT NULL, \
            member_id TEXT NOT NULL, entered_at INTEGER NOT NULL, PRIMARY KEY (segment_id, member_id, group_id)) \
            WITHOUT ROWID
            """,
            """
            INSERT INTO segment_members_keyed (group_id, segment_id, member_id, entered_at) \
            SELECT group_id, segment_id, member_id, entered_at FROM segment_members ORDER BY segment_id, member_id, group_id
            """,
            "DROP TABLE segment_members",
            "ALTER TABLE segment_members_keyed RENAME TO segment_members",
            "CREATE INDEX segment_members_member ON segment_members (member_id)",
        ],
        postgres: [
            """
            ALTER TABLE segment_members DROP CONSTRAINT segment_members_pkey, \
            ADD CONSTRAINT segment_members_pkey PRIMARY KEY (segment_id, member_id, group_id)
            """,
            "DROP INDEX segment_members_member",
            "CREATE INDEX segment_members_member ON segment_members (member_id)",
        ])
}
