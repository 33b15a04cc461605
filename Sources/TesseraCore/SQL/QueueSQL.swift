import TesseraDomain

/// The outbox-style queues of journeys (`journey_messages`, `journey_grants`): rows `queued` until
/// done, leased in batches to one worker at a time (`SKIP LOCKED` on PostgreSQL), and settled only
/// under the lease that claimed them.
enum QueueSQL {
    /// Leases up to `limit` queued rows of `table` whose next attempt is due (of one group, or all),
    /// answering the `returning` columns of each.
    static func lease(
        _ table: String, returning: String, now: Int64, leaseSeconds: Int64, token: String, limit: Int,
        group: GroupID?, dialect: SQLDialect
    ) -> SQLStatement {
        let lock = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let scope = group == nil ? "" : " AND group_id = ?"
        return SQLStatement(
            """
            UPDATE \(table) SET lease_until = ?, lease_token = ? WHERE (group_id, id) IN \
            (SELECT group_id, id FROM \(table) WHERE status = 'queued' AND next_attempt_at <= ? \
            AND (lease_until IS NULL OR lease_until < ?)\(scope) ORDER BY next_attempt_at LIMIT ?\(lock)) \
            RETURNING \(returning)
            """,
            [.int(now + leaseSeconds * 1_000_000), .text(token), .int(now), .int(now)]
                + (group.map { [SQLValue.text($0.rawValue)] } ?? []) + [.int(Int64(limit))])
    }

    /// Settles a row still leased under `token`: `set` (with its `arguments`) and the lease released.
    static func settle(_ table: String, set: String, _ arguments: [SQLValue], group: GroupID, id: String, token: String)
        -> SQLStatement
    {
        SQLStatement(
            """
            UPDATE \(table) SET \(set), attempts = attempts + 1, lease_token = NULL, lease_until = NULL \
            WHERE group_id = ? AND id = ? AND lease_token = ?
            """, arguments + [.text(group.rawValue), .text(id), .text(token)])
    }
}
