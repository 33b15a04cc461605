/// Counts journey visits per node and branch (`journey_node_counts`) instead of keeping a row per
/// visit: the journey statistics read the counts, and `journey_visits` keeps only the visits that
/// took a branch (a split's, a filter's, a wait's), which the split analysis reads per member. The
/// counts start from the rows already there; the branchless rows then go.
extension Migration {
    static let journeyNodeCounts = Migration(
        id: "0026_journey_node_counts",
        sqlite: statements(int: "INTEGER"),
        postgres: statements(int: "BIGINT"))

    private static func statements(int: String) -> [String] {
        [
            """
            CREATE TABLE journey_node_counts (group_id TEXT NOT NULL, journey_id TEXT NOT NULL, node_id TEXT NOT NULL, \
            branch TEXT NOT NULL, visits \(int) NOT NULL, PRIMARY KEY (group_id, journey_id, node_id, branch))
            """,
            """
            INSERT INTO journey_node_counts (group_id, journey_id, node_id, branch, visits) \
            SELECT group_id, journey_id, node_id, COALESCE(branch, ''), COUNT(*) FROM journey_visits \
            GROUP BY group_id, journey_id, node_id, COALESCE(branch, '')
            """,
            "DELETE FROM journey_visits WHERE branch IS NULL",
        ]
    }
}
