public import Foundation
public import TesseraDomain

/// SQL that both stores run unchanged (up to parameter markers and casts): merges and the
/// recomputation of member aggregates from base rows. One text, so the stores cannot disagree.
public enum StoreSQL {
    static let purchaseStatuses = "('paid', 'partially_refunded')"

    /// Recomputes a member's aggregates from events, orders and identifiers, then its kind, and
    /// re-projects its purchases (``PurchaseFactsSQL``).
    /// - Parameter events: also recompute event counters and first/last seen, and re-project carts
    ///   and follow statuses (``CartsAndFollowsSQL``) — after merges and unmerges.
    /// - Parameter projectPurchases: also re-project its purchases (callers refreshing many members
    ///   at once pass false and call ``PurchaseFactsSQL/refresh(group:members:)`` once).
    public static func recompute(
        group: GroupID, member: MemberID, events: Bool, at: Date, projectPurchases: Bool = true
    ) -> [SQLStatement] {
        let owned = "WHERE x.group_id = members.group_id AND x.member_id = members.id"
        let purchases = "\(owned) AND x.status IN \(purchaseStatuses)"
        var assignments = [
            "order_count = (SELECT count(*) FROM orders x \(purchases))",
            "total_spend_minor = (SELECT coalesce(sum(x.paid_minor - x.refunded_minor), 0) FROM orders x \(purchases))",
            "first_order_at = (SELECT min(coalesce(x.paid_at, x.placed_at)) FROM orders x \(purchases))",
            "last_order_at = (SELECT max(coalesce(x.paid_at, x.placed_at)) FROM orders x \(purchases))",
            "has_contact = EXISTS (SELECT 1 FROM member_identifiers x \(owned) AND x.type IN ('phone', 'email', 'openid', 'unionid'))",
        ]
        if events {
            assignments += [
                "event_count = (SELECT count(*) FROM events x \(owned))",
                "first_seen_at = (SELECT min(x.occurred_at) FROM events x \(owned))",
                "last_seen_at = (SELECT max(x.occurred_at) FROM events x \(owned))",
            ]
        }
        let key: [SQLValue] = [.text(group.rawValue), .text(member.rawValue)]
        return [
            SQLStatement(
                "UPDATE members SET \(assignments.joined(separator: ", ")), updated_at = ? WHERE group_id = ? AND id = ?",
                [.int(Timestamp.micros(at))] + key),
            SQLStatement(
                "UPDATE members SET kind = \(kindExpression()) WHERE group_id = ? AND id = ?", key),
        ] + (projectPurchases ? PurchaseFactsSQL.refresh(group: group, member: member) : [])
            + (events ? CartsAndFollowsSQL.refresh(group: group, members: [member]) : [])
    }

    /// Summarises a member's events again (`member_event_stats`, see ``Migration/memberEventStats``;
    /// SQLite only, nothing on PostgreSQL): the insert trigger keeps the summaries of new events, but
    /// merges and unmerges move events between members with an `UPDATE`, which it does not follow.
    public static func rebuildEventStats(group: GroupID, member: MemberID, dialect: SQLDialect) -> [SQLStatement] {
        guard dialect.keepsEventSummaries else { return [] }
        let key: [SQLValue] = [.text(group.rawValue), .text(member.rawValue)]
        return [
            SQLStatement("DELETE FROM member_event_stats WHERE group_id = ? AND member_id = ?", key),
            SQLStatement(
                """
                INSERT INTO member_event_stats (group_id, member_id, brand_id, name, first_at, last_at, times) \
                SELECT group_id, member_id, brand_id, name, min(occurred_at), max(occurred_at), count(*) FROM events \
                WHERE group_id = ? AND member_id = ? AND brand_id IS NOT NULL AND name IS NOT NULL \
                GROUP BY group_id, member_id, brand_id, name
                """, key),
        ]
    }

    /// The customer kind as SQL (mirrors ``CustomerKind/derive``), from expressions for
    /// "registered", "order count" and "has a contact"; by default the member row's own columns.
    static func kindExpression(
        registered: String = "registered", orderCount: String = "order_count", hasContact: String = "has_contact"
    ) -> String {
        "CASE WHEN \(registered) THEN 'member' WHEN \(orderCount) > 0 THEN 'customer' "
            + "WHEN \(hasContact) THEN 'prospect_contact' ELSE 'prospect' END"
    }

    /// Moves everything of `merged` to `survivor` and writes the audit row (`member_merges`).
    public static func merge(
        dialect: SQLDialect, group: GroupID, survivor: MemberID, merged: MemberID, actor: String, reason: String,
        id: String, at: Date
    ) -> [SQLStatement] {
        let (g, s, m, now) = (
            SQLValue.text(group.rawValue), SQLValue.text(survivor.rawValue),
            SQLValue.text(merged.rawValue), SQLValue.int(Timestamp.micros(at))
        )
        let identifierList =
            dialect == .sqlite
            ? "(SELECT json_group_array(type || ':' || value) FROM member_identifiers WHERE group_id = ? AND member_id = ?)"
            : "(SELECT coalesce(jsonb_agg(type || ':' || value ORDER BY type, value), '[]'::jsonb) FROM member_identifiers WHERE group_id = ? AND member_id = ?)"
        let later = dialect == .sqlite ? "max" : "GREATEST"
        var statements = [
            SQLStatement(
                """
                INSERT INTO member_merges (group_id, id, survivor_id, merged_id, actor, reason, identifiers, moved_events, \
                moved_orders, created_at) VALUES (?, ?, ?, ?, ?, ?, \(identifierList), \
                (SELECT count(*) FROM events WHERE group_id = ? AND member_id = ?), \
                (SELECT count(*) FROM orders WHERE group_id = ? AND member_id = ?), ?)
                """,
                [g, .text(id), s, m, .text(actor), .text(reason), g, m, g, m, g, m, now]),
            SQLStatement(
                "UPDATE member_identifiers SET member_id = ? WHERE group_id = ? AND member_id = ?", [s, g, m]),
            SQLStatement("UPDATE events SET member_id = ? WHERE group_id = ? AND member_id = ?", [s, g, m]),
            SQLStatement("UPDATE orders SET member_id = ? WHERE group_id = ? AND member_id = ?", [s, g, m]),
            SQLStatement(
                """
                INSERT INTO member_brands (group_id, member_id, brand_id, joined_at) SELECT group_id, ?, brand_id, joined_at \
                FROM member_brands WHERE group_id = ? AND member_id = ? ON CONFLICT (group_id, member_id, brand_id) DO NOTHING
                """, [s, g, m]),
            SQLStatement("DELETE FROM member_brands WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement(
                """
                INSERT INTO member_channels (group_id, member_id, channel, last_seen_at) SELECT group_id, ?, channel, \
                last_seen_at FROM member_channels WHERE group_id = ? AND member_id = ? ON CONFLICT (group_id, member_id, \
                channel) DO UPDATE SET last_seen_at = \(later)(member_channels.last_seen_at, excluded.last_seen_at)
                """, [s, g, m]),
            SQLStatement("DELETE FROM member_channels WHERE group_id = ? AND member_id = ?", [g, m]),
            // Tags follow the survivor; segment memberships, scores, stages, carts and follow statuses
            // of the merged member end (the survivor's are re-derived after the merge from the events
            // and orders it now has).
            SQLStatement(
                """
                INSERT INTO member_tags (group_id, brand_id, member_id, tag, source, actor, tagged_at) SELECT group_id, \
                brand_id, ?, tag, source, actor, tagged_at FROM member_tags WHERE group_id = ? AND member_id = ? \
                ON CONFLICT (group_id, brand_id, member_id, tag) DO NOTHING
                """, [s, g, m]),
            SQLStatement("DELETE FROM member_tags WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement("DELETE FROM segment_members WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement("DELETE FROM member_scores WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement("DELETE FROM member_stages WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement("DELETE FROM cart_items WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement("DELETE FROM member_follows WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement(
                """
                UPDATE members SET registered = (registered OR (SELECT x.registered FROM members x WHERE x.group_id = ? \
                AND x.id = ?)) WHERE group_id = ? AND id = ?
                """, [g, m, g, s]),
            SQLStatement(
                "UPDATE members SET status = 'merged', merged_into = ?, updated_at = ? WHERE group_id = ? AND id = ?",
                [s, now, g, m]),
            SQLStatement("UPDATE members SET merged_into = ? WHERE group_id = ? AND merged_into = ?", [s, g, m]),
            LoyaltyQueueSQL.enqueueTransfers(group: group, merged: merged, at: at),
            SQLStatement(
                """
                UPDATE merge_candidates SET status = 'merged', resolved_at = ? WHERE group_id = ? AND status = 'open' \
                AND ((member_id = ? AND other_member_id = ?) OR (member_id = ? AND other_member_id = ?))
                """, [now, g, s, m, m, s]),
        ]
        statements += recompute(group: group, member: survivor, events: true, at: at)
        // The event summaries follow the events: the merged member has none left.
        for member in [survivor, merged] {
            statements += rebuildEventStats(group: group, member: member, dialect: dialect)
        }
        return statements
    }

    /// Rebuilds a member's last-seen-per-channel and brand rows from its events (after an undo).
    static func rebuildActivity(group: GroupID, member: MemberID) -> [SQLStatement] {
        let (g, m) = (SQLValue.text(group.rawValue), SQLValue.text(member.rawValue))
        return [
            SQLStatement("DELETE FROM member_channels WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement(
                """
                INSERT INTO member_channels (group_id, member_id, channel, last_seen_at) SELECT group_id, member_id, \
                channel, max(occurred_at) FROM events WHERE group_id = ? AND member_id = ? GROUP BY group_id, member_id, channel
                """, [g, m]),
            SQLStatement("DELETE FROM member_brands WHERE group_id = ? AND member_id = ?", [g, m]),
            SQLStatement(
                """
                INSERT INTO member_brands (group_id, member_id, brand_id, joined_at) SELECT group_id, member_id, brand_id, \
                min(occurred_at) FROM events WHERE group_id = ? AND member_id = ? AND brand_id IS NOT NULL \
                GROUP BY group_id, member_id, brand_id
                """, [g, m]),
        ]
    }

    /// Reads one merge audit row: `id, survivor_id, merged_id, actor, reason, identifiers, moved_events,
    /// moved_orders, created_at, undone_at`.
    public static let selectMerge = """
        SELECT id, survivor_id, merged_id, actor, reason, CAST(identifiers AS TEXT), moved_events, moved_orders, created_at, undone_at \
        FROM member_merges WHERE group_id = ? AND id = ?
        """
}

extension StoreSQL {
    /// Timeline rows (events and orders) older than a cursor: `source, id, occurred_at, type, name, channel, details`.
    public static func selectTimeline(_ dialect: SQLDialect) -> String {
        let fields =
            "'currency', currency, 'total_minor', total_minor, 'discount_minor', discount_minor, "
            + "'paid_minor', paid_minor, 'refunded_minor', refunded_minor, 'store', store_code, 'coupon', coupon_code"
        let orderDetails = dialect == .sqlite ? "json_object(\(fields))" : "json_build_object(\(fields))::text"
        return """
            SELECT source, id, occurred_at, type, name, channel, details FROM (\
            SELECT 'event' AS source, id, occurred_at, kind AS type, name, channel, CAST(properties AS TEXT) AS details \
            FROM events WHERE group_id = ? AND member_id = ? \
            UNION ALL \
            SELECT 'order' AS source, id, placed_at AS occurred_at, status AS type, external_id AS name, channel, \
            \(orderDetails) AS details FROM orders WHERE group_id = ? AND member_id = ?) AS t \
            WHERE occurred_at < ? OR (occurred_at = ? AND id < ?) ORDER BY occurred_at DESC, id DESC LIMIT ?
            """
    }

    public static func timelineArguments(group: GroupID, member: MemberID, before: TimelineCursor?, limit: Int)
        -> [SQLValue]
    {
        let (g, m) = (SQLValue.text(group.rawValue), SQLValue.text(member.rawValue))
        let micros = before?.occurredAtMicros ?? Int64.max
        return [g, m, g, m, .int(micros), .int(micros), .text(before?.id ?? "\u{10FFFF}"), .int(Int64(limit))]
    }

    /// A JSON object of consent flags, as stored.
    public static func decodeConsent(_ text: String?) -> [String: Bool] {
        guard let text, let value = try? JSONValue.parse(text), let object = value.objectValue else { return [:] }
        return object.compactMapValues(\.boolValue)
    }
}

extension StoreSQL {
    /// Decodes a row of ``selectMerge``.
    static func mergeRecord(_ row: SQLRow) -> MergeRecord {
        let identifiers = (row.text(5).flatMap { try? JSONValue.parse($0) }?.arrayValue ?? []).compactMap(\.stringValue)
        return MergeRecord(
            id: row.text(0) ?? "", survivorID: MemberID(row.text(1) ?? ""), mergedID: MemberID(row.text(2) ?? ""),
            actor: row.text(3) ?? "", reason: row.text(4) ?? "", identifiers: identifiers.sorted(),
            movedEvents: row.int(6) ?? 0, movedOrders: row.int(7) ?? 0, createdAt: Timestamp.date(row.int(8) ?? 0))
    }
}
