import GRDB
import Metrics
import Synchronization

/// Group commit for SQLite's single writer: write programs that arrive while a transaction is
/// running wait, then run together in the next transaction, each in its own savepoint — a failing
/// program rolls back alone — and share one commit. Each caller is answered only after that commit.
/// A program that arrives alone gets the transaction to itself, without a savepoint.
///
/// Under concurrent ingest this turns several small transactions into one larger one, so index
/// pages that several batches touch are written to the WAL once instead of once per batch.
final class GroupCommitWriter: Sendable {
    private struct Entry: Sendable {
        /// Runs on the writer's thread before the entry's transaction, which it has to itself.
        let prelude: (@Sendable () throws -> Void)?
        /// The transaction's work; `nil` for a hold (``hold(_:unreachable:)``), which opens none.
        let run: (@Sendable (Database) throws -> Void)?
        let finish: @Sendable ((any Error)?) -> Void
    }

    private let pool: DatabasePool
    private let state = Mutex<(queue: [Entry], draining: Bool)>(([], false))
    /// Most programs in one transaction, so one commit never holds back a caller for long.
    private let maximumGroup = 16

    /// Called after each committed transaction that changed rows (from the writer's thread; must not block).
    private let onCommit: @Sendable () -> Void
    /// Every commit, as it begins and ends, for readers that must share one state (``SQLiteDriver/runSlices(_:)``).
    let commits = CommitSequence()
    /// Time the writer was taken — transactions with their commits, and preludes — so that its
    /// rate is the single writer's utilisation, the figure that says when a SQLite deployment is full.
    private let busy: FloatingPointCounter
    private let transactions: Counter

    /// - Parameter file: names the database in the metrics (`tessera.sqlite`, `tessera-ingest.sqlite`).
    init(pool: DatabasePool, file: String, onCommit: @escaping @Sendable () -> Void = {}) {
        self.pool = pool
        self.onCommit = onCommit
        busy = FloatingPointCounter(label: "tessera_sqlite_writer_busy_seconds_total", dimensions: [("file", file)])
        transactions = Counter(label: "tessera_sqlite_writer_transactions_total", dimensions: [("file", file)])
    }

    /// Runs `body` in a write transaction — shared with other programs, each in a savepoint, unless
    /// `prelude` is given: then `prelude` runs first on the writer's thread, with no transaction open
    /// and nothing uncommitted, so nothing commits until `body`'s transaction does (the readers it
    /// may start see exactly the state `body` starts from), and `body` has the transaction to itself.
    func write<Output: Sendable>(
        after prelude: (@Sendable () throws -> Void)? = nil, _ body: @escaping @Sendable (Database) throws -> Output
    ) async throws -> Output {
        let result = Mutex<Output?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            let entry = Entry(
                prelude: prelude,
                run: { db in
                    let output = try body(db)
                    result.withLock { $0 = output }
                },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let output = result.withLock({ $0.take() }) {
                        continuation.resume(returning: output)
                    } else {
                        continuation.resume(throwing: CancellationError())
                    }
                })
            enqueue(entry)
        }
    }

    /// Runs `body` on the writer's thread between two transactions, with nothing uncommitted: no
    /// commit begins until it returns. For readers that must fix one state together
    /// (``SQLiteDriver/runSlices(_:)``), so it must return promptly. `unreachable` is told when
    /// the writer cannot be reached, in which case `body` never runs.
    func hold(_ body: @escaping @Sendable () -> Void, unreachable: @escaping @Sendable (any Error) -> Void) {
        enqueue(Entry(prelude: body, run: nil, finish: { error in if let error { unreachable(error) } }))
    }

    private func enqueue(_ entry: Entry) {
        let startDrain = state.withLock { state in
            state.queue.append(entry)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if startDrain { Task { await self.drain() } }
    }

    /// Runs groups until the queue is empty, all inside one visit to the writer: returning to the
    /// task pool between groups leaves the writer idle while the drain task waits for a thread
    /// behind the request handlers.
    private func drain() async {
        do {
            try await pool.writeWithoutTransaction { db in
                while let entries = self.nextGroup() {
                    let started = ContinuousClock.now
                    defer {
                        let elapsed = (ContinuousClock.now - started).components
                        self.busy.increment(by: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
                    }
                    if let prelude = entries.first?.prelude {
                        do {
                            try prelude()
                        } catch {
                            for entry in entries { entry.finish(error) }
                            continue
                        }
                    }
                    // A hold is taken alone (it has a prelude) and has no transaction.
                    guard entries.first?.run != nil else {
                        for entry in entries { entry.finish(nil) }
                        continue
                    }
                    let changesBefore = db.totalChangesCount
                    let errors = self.commits.counting { committing in Self.commit(entries, in: db, committing) }
                    self.transactions.increment()
                    // Lease polls that found nothing commit nothing worth reporting.
                    if errors.contains(where: { $0 == nil }), db.totalChangesCount != changesBefore { self.onCommit() }
                    for (entry, error) in zip(entries, errors) { entry.finish(error) }
                }
            }
        } catch {
            // The writer could not be reached at all (a closed database): fail whatever waits.
            while let entries = nextGroup() {
                for entry in entries { entry.finish(error) }
            }
        }
    }

    /// The next programs to commit together, or `nil` — and no longer draining — when none wait. A
    /// program with a prelude is taken alone.
    private func nextGroup() -> [Entry]? {
        state.withLock { state -> [Entry]? in
            let alone = state.queue.firstIndex { $0.prelude != nil }
            let size = alone == 0 ? 1 : min(maximumGroup, alone ?? maximumGroup)
            let taken = Array(state.queue.prefix(size))
            state.queue.removeFirst(taken.count)
            if taken.isEmpty { state.draining = false }
            return taken.isEmpty ? nil : taken
        }
    }

    /// One transaction with a savepoint per program; the error of each (`nil`: committed).
    /// `committing` is called right before the `COMMIT`.
    private static func commit(_ entries: [Entry], in db: Database, _ committing: () -> Void) -> [(any Error)?] {
        if entries.count == 1, let entry = entries.first {
            // Alone, a program needs no savepoint: its failure rolls back the whole transaction,
            // and SQLite saves no page it changes in a statement journal for a savepoint's sake.
            do {
                try db.inTransaction {
                    try entry.run?(db)
                    committing()
                    return .commit
                }
                return [nil]
            } catch {
                return [error]
            }
        }
        var errors: [(any Error)?] = []
        do {
            try db.inTransaction {
                for entry in entries {
                    do {
                        try db.inSavepoint {
                            try entry.run?(db)
                            return .commit
                        }
                        errors.append(nil)
                    } catch {
                        errors.append(error)
                    }
                }
                committing()
                return .commit
            }
            return errors
        } catch {
            return entries.map { _ in error }
        }
    }
}
