public import TesseraDomain

/// The purchase projection (`purchase_facts`): one row per valid purchase (paid or partially
/// refunded order of a member) and dimension value — its `channel`, its `store`, and each
/// `category` and `productBrand` among its lines — with the purchase time and the amount (paid minus
/// refunded for channel and store; the matching lines' quantity × unit price for item dimensions).
/// Its index `(group_id, brand_id, dimension, value, at, member_id, amount_minor)` answers "bought
/// category X n times in the last N days" with one range scan instead of a visit to every member's
/// orders. Kept current in the transaction that writes the orders (``refresh(group:member:)``).
public enum PurchaseFactsSQL {
    /// The dimensions projected, by their rule-language names.
    static let dimensions = ["channel", "store", "category", "productBrand"]

    /// Statements projecting the valid purchases that satisfy `filter` (a condition on orders `o`,
    /// binding `arguments` once per statement).
    static func project(filter: String, _ arguments: [SQLValue] = []) -> [SQLStatement] {
        let purchases = "o.status IN \(StoreSQL.purchaseStatuses) AND o.member_id IS NOT NULL AND \(filter)"
        let head =
            "INSERT INTO purchase_facts (group_id, order_id, dimension, value, brand_id, member_id, at, amount_minor)"
        let at = "COALESCE(o.paid_at, o.placed_at)"
        var statements = [
            SQLStatement(
                """
                \(head) SELECT o.group_id, o.id, 'channel', o.channel, o.brand_id, o.member_id, \(at), \
                o.paid_minor - o.refunded_minor FROM orders o WHERE \(purchases)
                """, arguments),
            SQLStatement(
                """
                \(head) SELECT o.group_id, o.id, 'store', o.store_code, o.brand_id, o.member_id, \(at), \
                o.paid_minor - o.refunded_minor FROM orders o WHERE \(purchases) AND o.store_code IS NOT NULL
                """, arguments),
        ]
        for (dimension, column) in [("category", "category"), ("productBrand", "brand")] {
            statements.append(
                SQLStatement(
                    """
                    \(head) SELECT o.group_id, o.id, '\(dimension)', i.\(column), o.brand_id, o.member_id, \(at), \
                    CAST(SUM(i.quantity * i.unit_price_minor) AS BIGINT) FROM orders o JOIN order_items i \
                    ON i.group_id = o.group_id AND i.order_id = o.id WHERE \(purchases) AND i.\(column) IS NOT NULL \
                    GROUP BY o.group_id, o.id, i.\(column), o.brand_id, o.member_id, o.paid_at, o.placed_at
                    """, arguments))
        }
        return statements
    }

    /// Re-projects a member's purchases (after their orders changed, were merged in or moved back):
    /// the rows of every order the member now owns are rebuilt by order id (the primary key), so
    /// rows of orders that moved here from another member are replaced too. Every move of orders
    /// re-projects the member receiving them (merges, unmerges, late-linked orders).
    public static func refresh(group: GroupID, member: MemberID) -> [SQLStatement] {
        refresh(group: group, members: [member])
    }

    /// ``refresh(group:member:)`` for many members in a few statements (an ingest batch touches
    /// thousands; one round trip per member and statement would dominate it on PostgreSQL).
    public static func refresh(group: GroupID, members: [MemberID]) -> [SQLStatement] {
        let g = SQLValue.text(group.rawValue)
        return SQLBuilder.chunks(members, largest: 512).flatMap { chunk -> [SQLStatement] in
            let ids = chunk.map { SQLValue.text($0.rawValue) }
            let list = "(" + SQLBuilder.markers(ids.count) + ")"
            return [
                SQLStatement(
                    """
                    DELETE FROM purchase_facts WHERE group_id = ? AND order_id IN \
                    (SELECT id FROM orders WHERE group_id = ? AND member_id IN \(list))
                    """, [g, g] + ids)
            ] + project(filter: "o.group_id = ? AND o.member_id IN \(list)", [g] + ids)
        }
    }

    /// Re-projects every purchase of the group (after a bulk load that wrote orders directly).
    public static func rebuild(group: GroupID) -> [SQLStatement] {
        let g = SQLValue.text(group.rawValue)
        return [SQLStatement("DELETE FROM purchase_facts WHERE group_id = ?", [g])]
            + project(filter: "o.group_id = ?", [g])
    }
}
