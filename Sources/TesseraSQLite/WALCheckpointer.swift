import GRDB

/// Copies committed pages from the write-ahead log into the database file on a connection of its
/// own, so the single writer never does it inside a commit.
///
/// SQLite's automatic checkpoint runs in the commit that crosses the threshold: that writer then
/// copies thousands of pages and waits for `fsync` while every queued write waits behind it — under
/// ingest, about a quarter of the writer's time. A passive checkpoint on another connection takes
/// only the checkpoint lock, never the write lock, so the writer keeps committing while the other
/// core copies. After a checkpoint has caught up, the next write transaction starts the log from
/// its beginning again, which is what keeps the log's size bounded.
///
/// The writer still checkpoints by itself past a much larger log (``writerFallbackPages``), so a
/// checkpointer that falls behind or fails only costs speed, never an unbounded log.
final class WALCheckpointer: Sendable {
    /// Pages in the log past which the writer checkpoints by itself.
    static let writerFallbackPages = 64_000
    /// Least time between two checkpoints: commits in between are copied together.
    static let interval = Duration.milliseconds(200)

    private let commits: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    /// Starts checkpointing the database at `path` (already in WAL mode) after commits are reported.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let (stream, commits) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.commits = commits
        task = Task.detached(priority: .utility) {
            for await _ in stream {
                // A failed checkpoint (a reader holding old pages, a busy lock) is retried after the
                // next commit; the pages stay safely in the log until then.
                _ = try? await connection.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
                try? await Task.sleep(for: Self.interval)
            }
            try? connection.close()
        }
    }

    /// Tells the checkpointer a transaction committed; cheap and non-blocking.
    func committed() { commits.yield() }

    /// Stops after the checkpoint in progress, if any; what is left in the log is checkpointed when
    /// the database is next opened or written.
    func stop() async {
        commits.finish()
        task.cancel()
        await task.value
    }

    deinit { commits.finish() }
}
