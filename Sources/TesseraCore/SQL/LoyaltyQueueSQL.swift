import Foundation
import TesseraDomain

/// Taking and finishing items of `loyalty_queue`, shared by the programs that process them.
enum LoyaltyQueueSQL {
    /// The item's row if it is due at `now`; on PostgreSQL locked, skipping an item another worker
    /// holds (that worker is doing this work).
    static func claim(_ item: LoyaltyQueueItem, now: Date, dialect: SQLDialect) -> SQLStatement {
        SQLStatement(
            "SELECT due_at FROM loyalty_queue WHERE group_id = ? AND kind = ? AND ref = ? AND due_at <= ?"
                + (dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""),
            key(item) + [.int(Timestamp.micros(now))])
    }

    /// The item leaves the queue.
    static func dequeue(_ item: LoyaltyQueueItem) -> SQLStatement {
        SQLStatement("DELETE FROM loyalty_queue WHERE group_id = ? AND kind = ? AND ref = ?", key(item))
    }

    /// The item comes due again at `date`.
    static func reschedule(_ item: LoyaltyQueueItem, at date: Date) -> SQLStatement {
        SQLStatement(
            "UPDATE loyalty_queue SET due_at = ?, attempts = 0, last_error = NULL WHERE group_id = ? AND kind = ? AND ref = ?",
            [.int(Timestamp.micros(date))] + key(item))
    }

    /// Queues the transfer of a merged member's points, growth and tier in every brand where they
    /// have any, to run after the merge commits (see ``MergeTransferProgram``).
    static func enqueueTransfers(group: GroupID, merged: MemberID, at: Date) -> SQLStatement {
        let (g, m, now) = (
            SQLValue.text(group.rawValue), SQLValue.text(merged.rawValue), SQLValue.int(Timestamp.micros(at))
        )
        return SQLStatement(
            """
            INSERT INTO loyalty_queue (group_id, kind, ref, due_at) \
            SELECT group_id, 'merge', member_id || '/' || brand_id, ? FROM points_accounts WHERE group_id = ? AND member_id = ? \
            UNION SELECT group_id, 'merge', member_id || '/' || brand_id, ? FROM loyalty_members WHERE group_id = ? AND member_id = ? \
            ON CONFLICT (group_id, kind, ref) DO NOTHING
            """, [now, g, m, now, g, m])
    }

    private static func key(_ item: LoyaltyQueueItem) -> [SQLValue] {
        [.text(item.group.rawValue), .text(item.kind.rawValue), .text(item.ref)]
    }
}
