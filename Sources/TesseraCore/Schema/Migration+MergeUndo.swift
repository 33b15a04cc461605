/// Merges can be undone: the audit row records when.
extension Migration {
    static let mergeUndo = Migration(
        id: "0003_merge_undo",
        sqlite: ["ALTER TABLE member_merges ADD COLUMN undone_at INTEGER"],
        postgres: ["ALTER TABLE member_merges ADD COLUMN undone_at BIGINT"]
    )
}
