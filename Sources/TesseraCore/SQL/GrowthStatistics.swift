import Synchronization

/// When PostgreSQL's statistics of the tables ingest fills should be taken again: after this
/// process has ingested 1,000 messages, then 4,000, 16,000 and so on, up to ``lastThreshold``.
///
/// Until autovacuum first visits a table (up to a minute, `autovacuum_naptime`), PostgreSQL plans
/// for it as the migration's `ANALYZE` saw it: empty. A prepared statement that settles on a
/// generic plan during that time keeps it on its connection. So a lookup by key planned as a scan
/// of a one-page table stays a scan however large the table grows. The 360 read by identifier
/// averaged 16 ms (85 ms at most), instead of 0.1 ms, in a third of the runs of
/// `bench ingest --read-load` (BENCHMARKS.md, session 29). `ANALYZE` replaces those statistics and
/// drops the plans made with them. Growing the threshold fourfold each time keeps it rare once the
/// tables are large, and stopping at ``lastThreshold`` leaves the rest to autovacuum. The store runs
/// it in the background: nobody's request waits for it.
final class GrowthStatistics: Sendable {
    /// The tables whose statistics ingest's lookups and the member reads depend on.
    static let tables = [
        "members", "member_identifiers", "member_channels", "member_brands", "events", "orders", "order_items",
    ]
    static let lastThreshold = 16_384_000

    /// Messages ingested so far, and the count at which to analyse next.
    private let state: Mutex<(ingested: Int, next: Int)>

    init(firstThreshold: Int = 1_000) {
        state = Mutex((0, max(1, firstThreshold)))
    }

    /// Records `messages` ingested; whether the tables should be analysed now.
    func recorded(_ messages: Int) -> Bool {
        state.withLock { state in
            state.ingested += messages
            guard state.ingested >= state.next, state.next <= Self.lastThreshold else { return false }
            while state.next <= state.ingested { state.next *= 4 }
            return true
        }
    }
}
