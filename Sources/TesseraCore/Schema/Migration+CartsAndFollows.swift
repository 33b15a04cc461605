/// Carts and follow statuses (``CartsAndFollowsSQL``): the typed line of every cart event, the
/// projected cart lines and follow statuses. Follow statuses are projected from the events already
/// stored; carts start with the first cart event ingested after the upgrade, because older events
/// were stored without their typed line.
extension Migration {
    static let cartsAndFollows = Migration(
        id: "0012_carts_and_follows",
        sqlite: statements(integer: "INTEGER", clustered: " WITHOUT ROWID"),
        postgres: statements(integer: "BIGINT", clustered: ""))

    private static func statements(integer int: String, clustered: String) -> [String] {
        [
            """
            CREATE TABLE cart_events (group_id TEXT NOT NULL, event_id TEXT NOT NULL, sku TEXT NOT NULL, \
            product_id TEXT, name TEXT, category TEXT, brand TEXT, quantity_delta \(int) NOT NULL, \
            unit_price_minor \(int) NOT NULL, currency TEXT NOT NULL, PRIMARY KEY (group_id, event_id))\(clustered)
            """,
            """
            CREATE TABLE cart_items (group_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            sku TEXT NOT NULL, product_id TEXT, name TEXT, category TEXT, product_brand TEXT, \
            quantity \(int) NOT NULL, unit_price_minor \(int) NOT NULL, currency TEXT NOT NULL, \
            added_at \(int) NOT NULL, updated_at \(int) NOT NULL, PRIMARY KEY (group_id, member_id, brand_id, sku))\(clustered)
            """,
            "CREATE INDEX cart_items_recent ON cart_items (group_id, brand_id, updated_at, member_id)",
            """
            CREATE TABLE member_follows (group_id TEXT NOT NULL, member_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
            status TEXT NOT NULL, changed_at \(int) NOT NULL, PRIMARY KEY (group_id, member_id, brand_id))\(clustered)
            """,
            "CREATE INDEX member_follows_status ON member_follows (group_id, brand_id, status, changed_at, member_id)",
            CartsAndFollowsSQL.projectFollows(filter: "1 = 1").sql,
        ]
    }
}
