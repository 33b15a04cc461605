import ServiceLifecycle
import Synchronization

/// Wakes one waiting task early: ``wait(atMost:)`` returns when ``ring()`` is called or the time is up.
/// A ring while nobody waits is remembered, so a wake-up between two waits is never lost.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(atMost duration: Duration) async {
        let timer = Task {
            // Cancelled once the wait is over: no ring, or the next wait would return at once.
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            ring()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            ring()
        }
    }
}

extension Doorbell {
    /// Runs `pass` until graceful shutdown begins or the task is cancelled; after a pass that found
    /// nothing to do, waits for a ring or `interval` — the loop every queue worker runs.
    ///
    /// Graceful shutdown stops the loop between two passes: the pass under way finishes. Cancelling
    /// it instead aborted its work half-way: a webhook the receiver had already accepted was recorded
    /// as a retry, and sent again.
    func loop(every interval: Duration, _ pass: @Sendable () async -> Int) async {
        await untilGracefulShutdown {
            if await pass() == 0 { await wait(atMost: interval) }
        }
    }

    /// Runs `step` again and again until graceful shutdown begins or the task is cancelled, never
    /// interrupting one under way; the shutdown rings the bell, so a step waiting on it
    /// (``wait(atMost:)``) returns at once. The loop of the queue workers (``loop(every:_:)``) and
    /// of the ingest projector.
    func untilGracefulShutdown(_ step: () async -> Void) async {
        await withGracefulShutdownHandler {
            while !Task.isCancelled, !Task.isShuttingDownGracefully { await step() }
        } onGracefulShutdown: {
            self.ring()
        }
    }
}
