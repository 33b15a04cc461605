public import Foundation
public import TesseraDomain

/// The durable queue between accepting an ingest request and projecting it into the member store.
///
/// Accepting a Segment batch appends one row here and answers; the ``IngestLogEntry`` stays until a
/// projector has written its messages (``complete(_:)``). Entries are leased, not locked, so a
/// projector that dies mid-batch leaves them to be taken again when the lease runs out; projecting
/// an entry twice is harmless because every message carries an idempotency key and orders only
/// move forward. On PostgreSQL several processes lease side by side (`FOR UPDATE SKIP LOCKED`).
///
/// ```swift
/// let log = IngestLog(driver: try SQLiteDriver(path: "tessera-ingest.sqlite"))
/// try await log.migrate()
/// let sequence = try await log.append(entry)
/// ```
public struct IngestLog: Sendable {
    public let driver: any SQLDriver
    /// Leases after which an entry is no longer retried and counts as failed in ``status(group:now:)``.
    public static let maximumAttempts = 5
    /// How long a projector may hold an entry before another may take it.
    public static let leaseDuration: TimeInterval = 60

    public init(driver: any SQLDriver) { self.driver = driver }

    public func migrate() async throws {
        _ = try await driver.run(
            MigrationProgram(dialect: driver.dialect, migrations: IngestLogMigrations.all, at: Date()), writes: true)
    }

    /// Appends an accepted request and returns its sequence number.
    @discardableResult public func append(_ entry: IngestLogEntry) async throws -> Int64 {
        let statement = SQLStatement(
            """
            INSERT INTO ingest_log (group_id, brand_id, source, received_at, body, message_count) \
            VALUES (?, ?, ?, ?, ?, ?) RETURNING seq
            """,
            [
                .text(entry.groupID.rawValue), .text(entry.brandID.rawValue), .text(entry.source),
                .int(Timestamp.micros(entry.receivedAt)), .text(entry.body), .int(Int64(entry.messageCount)),
            ])
        return try await driver.run(
            QueryProgram(statement) { rows in
                guard let sequence = rows.first?.int(0) else { throw TesseraError.conflict("append returned no seq") }
                return sequence
            }, writes: true)
    }

    /// Takes the oldest entries nobody holds, up to about `maximumMessages` messages (always at least
    /// one entry), for ``leaseDuration``. An entry that failed before is leased on its own, so one bad
    /// request cannot take its neighbours down with it.
    public func lease(maximumMessages: Int, now: Date) async throws -> [IngestLogEntry] {
        try await driver.run(
            LeaseProgram(dialect: driver.dialect, maximumMessages: maximumMessages, now: now), writes: true)
    }

    /// Forgets entries whose messages are now in the member store.
    public func complete(_ sequences: [Int64]) async throws {
        guard !sequences.isEmpty else { return }
        try await driver.run(
            ExecuteProgram(
                SQLBuilder.chunks(sequences, largest: 256).map { chunk in
                    SQLStatement(
                        "DELETE FROM ingest_log WHERE seq IN (\(SQLBuilder.markers(chunk.count)))",
                        chunk.map(SQLValue.int))
                }), writes: true)
    }

    /// Gives entries back after a failed projection, to be retried after a back-off that doubles with
    /// each attempt (1 s, 2 s, 4 s … at most a minute), recording why.
    public func release(_ entries: [IngestLogEntry], error: String, now: Date) async throws {
        guard !entries.isEmpty else { return }
        try await driver.run(
            ExecuteProgram(
                entries.map { entry in
                    let backOff = min(60, pow(2, Double(max(0, entry.attempts - 1))))
                    return SQLStatement(
                        "UPDATE ingest_log SET leased_until = ?, last_error = ? WHERE seq = ?",
                        [
                            .int(Timestamp.micros(now.addingTimeInterval(backOff))), .text(String(error.prefix(2_000))),
                            .int(entry.sequence),
                        ])
                }), writes: true)
    }

    /// When the oldest of `group`'s entries still to be projected was accepted — failed entries aside,
    /// which no projection will take again; `nil` when nothing waits. For backpressure
    /// (`IngestBackpressure` in the HTTP layer): one row, read in the log's order, so it reads past
    /// the other groups' entries queued before it and no further.
    public func oldestWaiting(group: GroupID, now: Date) async throws -> Date? {
        let statement = SQLStatement(
            "SELECT received_at FROM ingest_log WHERE group_id = ? AND NOT \(Self.failed) ORDER BY seq LIMIT 1",
            [.text(group.rawValue)] + Self.failedArguments(now))
        return try await driver.run(
            QueryProgram(statement) { rows in rows.first?.int(0).map(Timestamp.date) }, writes: false)
    }

    /// Whether an entry has failed for good: its last attempt is over (no attempts left, lease run
    /// out), so no projection will take it again. Binds ``failedArguments(_:)``; shared by the
    /// status and the backpressure reading, so the two never disagree on which entries still wait.
    private static let failed = "(attempts >= ? AND leased_until < ?)"

    private static func failedArguments(_ now: Date) -> [SQLValue] {
        [.int(Int64(maximumAttempts)), .int(Timestamp.micros(now))]
    }

    /// What of `group`'s accepted traffic is not yet in the member store.
    public func status(group: GroupID, now: Date) async throws -> IngestLogStatus {
        let statement = SQLStatement(
            """
            SELECT coalesce(sum(CASE WHEN failed THEN 0 ELSE 1 END), 0), \
            coalesce(sum(CASE WHEN failed THEN 0 ELSE message_count END), 0), \
            coalesce(sum(CASE WHEN failed THEN 1 ELSE 0 END), 0), \
            min(CASE WHEN failed THEN NULL ELSE received_at END), max(last_error) \
            FROM (SELECT message_count, received_at, last_error, \(Self.failed) AS failed \
            FROM ingest_log WHERE group_id = ?) AS l
            """,
            Self.failedArguments(now) + [.text(group.rawValue)])
        return try await driver.run(
            QueryProgram(statement) { rows in
                let row = rows.first
                return IngestLogStatus(
                    pendingEntries: Int(row?.int(0) ?? 0), pendingMessages: Int(row?.int(1) ?? 0),
                    failedEntries: Int(row?.int(2) ?? 0), oldestPendingAt: row?.int(3).map(Timestamp.date),
                    lastError: row?.text(4))
            }, writes: false)
    }
}
