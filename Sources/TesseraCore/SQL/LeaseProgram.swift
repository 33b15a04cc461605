import Foundation
import TesseraDomain

/// Leases the oldest free entries of the ingest log (see ``IngestLog/lease(maximumMessages:now:)``).
///
/// First a cheap look at the candidates (no bodies), locked with `SKIP LOCKED` on PostgreSQL so that
/// concurrent projectors pick disjoint entries; then one `UPDATE … RETURNING` marks the chosen ones
/// and reads them whole.
struct LeaseProgram: SQLProgram {
    let dialect: SQLDialect
    let maximumMessages: Int
    let now: Date
    private var leasing = false

    init(dialect: SQLDialect, maximumMessages: Int, now: Date) {
        self.dialect = dialect
        self.maximumMessages = maximumMessages
        self.now = now
    }

    mutating func start() -> SQLStep<[IngestLogEntry]> {
        leasing = false
        return .query(
            SQLStatement(
                "SELECT seq, message_count, attempts FROM ingest_log WHERE leased_until < ? AND attempts < ? "
                    + "ORDER BY seq LIMIT 64" + (dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""),
                [.int(Timestamp.micros(now)), .int(Int64(IngestLog.maximumAttempts))]))
    }

    mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<[IngestLogEntry]> {
        if leasing {
            return .done(rows.compactMap(Self.entry).sorted { $0.sequence < $1.sequence })
        }
        let chosen = Self.choose(
            rows.compactMap { row in
                row.int(0).map { (sequence: $0, messages: Int(row.int(1) ?? 0), attempts: Int(row.int(2) ?? 0)) }
            }, maximumMessages: maximumMessages)
        guard !chosen.isEmpty else { return .done([]) }
        leasing = true
        return .query(
            SQLStatement(
                """
                UPDATE ingest_log SET leased_until = ?, attempts = attempts + 1 \
                WHERE seq IN (\(SQLBuilder.markers(chosen.count))) \
                RETURNING seq, group_id, brand_id, source, received_at, body, message_count, attempts
                """,
                [.int(Timestamp.micros(now.addingTimeInterval(IngestLog.leaseDuration)))] + chosen.map(SQLValue.int)))
    }

    /// The leading run of never-failed candidates that fits `maximumMessages` (at least one), or a
    /// previously failed candidate alone.
    static func choose(_ candidates: [(sequence: Int64, messages: Int, attempts: Int)], maximumMessages: Int)
        -> [Int64]
    {
        guard let first = candidates.first else { return [] }
        if first.attempts > 0 { return [first.sequence] }
        var chosen: [Int64] = []
        var messages = 0
        for candidate in candidates {
            guard candidate.attempts == 0, chosen.isEmpty || messages + candidate.messages <= maximumMessages else {
                break
            }
            chosen.append(candidate.sequence)
            messages += candidate.messages
        }
        return chosen
    }

    private static func entry(_ row: SQLRow) -> IngestLogEntry? {
        guard let sequence = row.int(0), let group = row.text(1), let brand = row.text(2), let source = row.text(3),
            let received = row.int(4), let body = row.text(5)
        else { return nil }
        return IngestLogEntry(
            sequence: sequence, groupID: GroupID(group), brandID: BrandID(brand), source: source,
            receivedAt: Timestamp.date(received), body: body, messageCount: Int(row.int(6) ?? 0),
            attempts: Int(row.int(7) ?? 0))
    }
}
