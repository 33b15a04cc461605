import Synchronization

/// Counts the single writer's commits as they begin and as they end, so that readers on several
/// connections can tell whether they all read the same committed state — which SQLite cannot
/// promise them by itself (this build has no `sqlite3_snapshot_open`): each read transaction sees
/// the last commit before its first read.
///
/// A reader notes ``settled`` before any of its connections reads, and each connection, once its
/// first read has fixed what it sees, asks ``unchanged(since:)``. When every connection says yes, no
/// commit was under way or began between the first note and the last connection's first read — a
/// commit counts as begun before its `COMMIT` runs and as ended after it returns — so all of them
/// see the state the note was taken in. A rolled-back transaction only makes a reader retry.
///
/// Only this process's writer is counted: another process writing the same file (a `tessera
/// import` beside the server) is not seen.
final class CommitSequence: Sendable {
    private let begun = Atomic<Int>(0)
    private let ended = Atomic<Int>(0)

    /// Commits that have ended, to pass to ``unchanged(since:)`` later.
    var settled: Int { ended.load(ordering: .sequentiallyConsistent) }

    /// Whether no commit began since `settled` was read, nor was under way then.
    func unchanged(since settled: Int) -> Bool { begun.load(ordering: .sequentiallyConsistent) == settled }

    /// Runs `transaction`, which commits (or rolls back) when it returns; `committing` must be called
    /// by it right before its `COMMIT`, and at most once.
    func counting<Output>(_ transaction: (_ committing: () -> Void) throws -> Output) rethrows -> Output {
        var began = false
        defer { if began { ended.add(1, ordering: .sequentiallyConsistent) } }
        return try transaction {
            guard !began else { return }
            began = true
            begun.add(1, ordering: .sequentiallyConsistent)
        }
    }
}
