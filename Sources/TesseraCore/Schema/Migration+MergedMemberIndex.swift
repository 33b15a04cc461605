/// The members merged into another, by group: what a read that must leave merged members out
/// consults instead of each member row. Merges move a member's orders and events to the survivor,
/// so merged members rarely own anything, and the index is usually empty.
///
/// RFM's purchase read (``SQLTesseraStore/purchasePage(group:brand:after:limit:)``) joined every
/// order to its member row to check `merged_into IS NULL`: 70,000 probes of the members' key over
/// CDNOW, half the statement's time on SQLite (38–68 ms in the `sqlite3` shell, against 19–33 ms
/// with the merged members listed from this index and 17–27 ms with no check at all; BENCHMARKS.md,
/// session 37). With this index the check reads the merged members once.
extension Migration {
    static let mergedMemberIndex = Migration(
        id: "0036_merged_member_index",
        sqlite: ["CREATE INDEX members_merged ON members (group_id, id) WHERE merged_into IS NOT NULL"],
        postgres: ["CREATE INDEX members_merged ON members (group_id, id) WHERE merged_into IS NOT NULL"])
}
