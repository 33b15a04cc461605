/// The purchase projection segment rules read instead of scanning orders and their lines, and an
/// index for event conditions; existing orders are projected in the migration.
extension Migration {
    static let purchaseFacts = Migration(
        id: "0011_purchase_facts",
        sqlite: statements(integer: "INTEGER", clustered: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", clustered: ""))

    private static func statements(integer int: String, clustered: String) -> [String] {
        [
            """
            CREATE TABLE purchase_facts (group_id TEXT NOT NULL, order_id TEXT NOT NULL, dimension TEXT NOT NULL, \
            value TEXT NOT NULL, brand_id TEXT NOT NULL, member_id TEXT NOT NULL, at \(int) NOT NULL, \
            amount_minor \(int) NOT NULL, PRIMARY KEY (group_id, order_id, dimension, value))\(clustered)
            """,
            """
            CREATE INDEX purchase_facts_lookup ON purchase_facts (group_id, brand_id, dimension, value, at, member_id, \
            amount_minor)
            """,
            "CREATE INDEX events_brand_name_time ON events (group_id, brand_id, name, occurred_at, member_id)",
        ] + PurchaseFactsSQL.project(filter: "o.member_id IS NOT NULL").map(\.sql)
    }
}
