public import TesseraDomain

/// The member's current cart (`cart_items`) and follow status (`member_follows`) per brand,
/// projected from their events: rebuilt for a member in the transaction that writes any of their
/// cart or follow events or purchases, and after merges and unmerges (``refresh(group:members:)``).
///
/// A cart line is a SKU's quantity added minus removed (``CartChange``, typed in `cart_events` at
/// ingest) since the member's latest paid order in the brand that either contains that SKU or has
/// no lines at all, kept when positive; its price, name and category are those of its latest
/// change. The follow status is that of the latest `follow`/`unfollow` event (``FollowStatus``).
public enum CartsAndFollowsSQL {
    /// Orders that end a cart: paid ones, also when refunded since (the checkout happened).
    static let checkoutStatuses = "('paid', 'partially_refunded', 'refunded')"

    /// Rebuilds the carts and follow statuses of `members` in every brand, a few statements per
    /// 512 members.
    public static func refresh(group: GroupID, members: [MemberID]) -> [SQLStatement] {
        let g = SQLValue.text(group.rawValue)
        let cartNames = CartChange.eventNames.sorted().map { SQLValue.text($0) }
        return SQLBuilder.chunks(members, largest: 512).flatMap { chunk -> [SQLStatement] in
            let ids = chunk.map { SQLValue.text($0.rawValue) }
            let list = "(" + SQLBuilder.markers(ids.count) + ")"
            let checkedOut = """
                SELECT MAX(COALESCE(o.paid_at, o.placed_at)) FROM orders o WHERE o.group_id = e.group_id \
                AND o.member_id = e.member_id AND o.brand_id = e.brand_id AND o.status IN \(checkoutStatuses) \
                AND (EXISTS (SELECT 1 FROM order_items i WHERE i.group_id = o.group_id AND i.order_id = o.id \
                AND i.sku = c.sku) OR NOT EXISTS (SELECT 1 FROM order_items i WHERE i.group_id = o.group_id \
                AND i.order_id = o.id))
                """
            let changes = """
                FROM events e JOIN cart_events c ON c.group_id = e.group_id AND c.event_id = e.id \
                WHERE e.group_id = ? AND e.member_id IN \(list) AND e.name IN (?, ?) AND e.brand_id IS NOT NULL \
                AND e.occurred_at > COALESCE((\(checkedOut)), \(Int64.min + 1))
                """
            return [
                SQLStatement("DELETE FROM cart_items WHERE group_id = ? AND member_id IN \(list)", [g] + ids),
                SQLStatement(
                    """
                    INSERT INTO cart_items (group_id, member_id, brand_id, sku, quantity, unit_price_minor, currency, \
                    added_at, updated_at) SELECT e.group_id, e.member_id, e.brand_id, c.sku, \
                    CAST(SUM(c.quantity_delta) AS BIGINT), 0, '', MIN(e.occurred_at), MAX(e.occurred_at) \(changes) \
                    GROUP BY e.group_id, e.member_id, e.brand_id, c.sku HAVING SUM(c.quantity_delta) > 0
                    """, [g] + ids + cartNames),
                // The line's description from its latest change (a separate pass: SQL has no portable
                // "value at the maximum" aggregate).
                SQLStatement(
                    """
                    UPDATE cart_items SET (product_id, name, category, product_brand, unit_price_minor, currency) = \
                    (SELECT c.product_id, c.name, c.category, c.brand, c.unit_price_minor, c.currency \
                    FROM events e JOIN cart_events c ON c.group_id = e.group_id AND c.event_id = e.id \
                    WHERE e.group_id = cart_items.group_id AND e.member_id = cart_items.member_id \
                    AND e.brand_id = cart_items.brand_id AND c.sku = cart_items.sku \
                    ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) WHERE group_id = ? AND member_id IN \(list)
                    """, [g] + ids),
                SQLStatement("DELETE FROM member_follows WHERE group_id = ? AND member_id IN \(list)", [g] + ids),
                projectFollows(filter: "e.group_id = ? AND e.member_id IN \(list)", [g] + ids),
            ]
        }
    }

    /// Projects the follow status of the members whose events satisfy `filter` (a condition on
    /// events `e`, binding `arguments`). Event names are constants, inlined so the migration that
    /// backfills statuses runs the same text.
    static func projectFollows(filter: String, _ arguments: [SQLValue] = []) -> SQLStatement {
        let (follow, unfollow) = ("'\(FollowStatus.followEvent)'", "'\(FollowStatus.unfollowEvent)'")
        return SQLStatement(
            """
            INSERT INTO member_follows (group_id, member_id, brand_id, status, changed_at) \
            SELECT e.group_id, e.member_id, e.brand_id, CASE WHEN \
            MAX(CASE WHEN e.name = \(unfollow) THEN e.occurred_at END) IS NULL OR \
            MAX(CASE WHEN e.name = \(follow) THEN e.occurred_at END) > \
            MAX(CASE WHEN e.name = \(unfollow) THEN e.occurred_at END) \
            THEN 'following' ELSE 'unfollowed' END, MAX(e.occurred_at) FROM events e \
            WHERE e.name IN (\(follow), \(unfollow)) AND e.member_id IS NOT NULL AND e.brand_id IS NOT NULL \
            AND \(filter) GROUP BY e.group_id, e.member_id, e.brand_id
            """, arguments)
    }

    /// Types the cart line of each event that changes a cart.
    static func recordChanges(group: GroupID, events: [PlannedEvent]) -> [SQLStatement] {
        SQLBuilder.insert(
            into: "cart_events",
            columns: [
                "group_id", "event_id", "sku", "product_id", "name", "category", "brand", "quantity_delta",
                "unit_price_minor", "currency",
            ],
            rows: events.compactMap { event in
                guard let change = event.cart else { return nil }
                let item = change.item
                return [
                    .text(group.rawValue), .text(event.id.rawValue), .text(item.sku), .optional(item.productID),
                    .optional(item.name), .optional(item.category), .optional(item.brand), .int(change.quantityDelta),
                    .int(item.unitPriceMinor), .text(change.currency),
                ]
            }, suffix: "ON CONFLICT (group_id, event_id) DO NOTHING")
    }

    /// Whether an event changes what this projection holds for its member.
    static func concerns(_ event: PlannedEvent) -> Bool {
        guard let name = event.name else { return false }
        return event.cart != nil || name == FollowStatus.followEvent || name == FollowStatus.unfollowEvent
    }
}
