import Foundation
import Synchronization

/// Where the slices of one ``SQLiteDriver/runSlices(_:)`` meet once each has fixed the committed
/// state it reads (its first read), to decide together whether they all read the same one, before
/// any of them does its real work. Deciding after the last one arrives makes a commit that lands
/// between two slices' first reads cost a retry, not a whole slice's work thrown away.
///
/// A slice waits here on a reader's thread — GRDB's own, not Swift's task pool — and for at most
/// `patience`: when the pool has no free reader for a slice, the others give up rather than hold
/// theirs.
final class SliceRendezvous: Sendable {
    private let expected: Int
    private let commits: CommitSequence
    private let settled: Int
    private let patience: Duration
    private let arrived = Atomic<Int>(0)
    /// 0 undecided; 1 all read one state; 2 they may not.
    private let verdict = Atomic<Int>(0)

    init(slices: Int, commits: CommitSequence, patience: Duration = .milliseconds(50)) {
        expected = slices
        self.commits = commits
        settled = commits.settled
        self.patience = patience
    }

    /// Called by each slice after its first read: whether every slice reads the state of one commit.
    func sameState() -> Bool {
        arrived.add(1, ordering: .sequentiallyConsistent)
        if wait(until: { arrived.load(ordering: .sequentiallyConsistent) >= expected }) {
            // Once all have arrived, no commit begun since the slices set out means none landed
            // between their first reads (``CommitSequence``).
            decide(commits.unchanged(since: settled))
        }
        return verdict.load(ordering: .acquiring) == 1
    }

    /// Returns once the slices have decided, waiting for at most `patience`: then a slice still
    /// missing (no reader free for it) is given up on, and the others stop. For the writer's thread
    /// while it holds commits back (``GroupCommitWriter/hold(_:unreachable:)``).
    func awaitVerdict() {
        _ = wait(until: { false })
    }

    /// Polls until `ready` or a verdict, for at most `patience` (then the verdict is that they may
    /// not read one state); whether it was `ready` with no verdict yet.
    private func wait(until ready: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while verdict.load(ordering: .acquiring) == 0 {
            if ready() { return true }
            guard clock.now < deadline else {
                decide(false)
                return false
            }
            Thread.sleep(forTimeInterval: 0.000_02)
        }
        return false
    }

    /// The first decision stands.
    private func decide(_ same: Bool) {
        _ = verdict.compareExchange(expected: 0, desired: same ? 1 : 2, ordering: .acquiringAndReleasing)
    }
}
