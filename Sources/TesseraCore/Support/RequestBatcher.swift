import Synchronization

/// Runs requests that arrive concurrently in batches: a request that finds a runner free starts
/// a batch of its own at once; requests that arrive while every runner is busy wait and go
/// together in the next batch a runner takes. Alone, a request is not delayed; under load, each
/// batch carries what arrived during the previous one, so the cost per batch (round trips,
/// commits) is shared without a timer.
///
/// ```swift
/// let batcher = RequestBatcher<Int, Int>(maximumBatch: 64, runners: 4) { numbers in numbers.map { .success($0 * 2) } }
/// try await batcher.submit(21)  // 42
/// ```
public final class RequestBatcher<Request: Sendable, Response: Sendable>: Sendable {
    /// Answers a batch: one result per request, in order.
    public typealias Run = @Sendable ([Request]) async -> [Result<Response, any Error>]

    private struct Waiting: Sendable {
        let request: Request
        let continuation: CheckedContinuation<Response, any Error>
    }

    private let state = Mutex<(queue: [Waiting], running: Int)>(([], 0))
    private let maximumBatch: Int
    private let runners: Int
    private let run: Run

    /// - Parameters:
    ///   - maximumBatch: most requests in one batch.
    ///   - runners: most batches running at the same time.
    public init(maximumBatch: Int, runners: Int, run: @escaping Run) {
        precondition(maximumBatch > 0 && runners > 0, "a batcher needs room for one request")
        (self.maximumBatch, self.runners, self.run) = (maximumBatch, runners, run)
    }

    /// Runs `request` in the next batch and returns its result.
    public func submit(_ request: Request) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let startsRunner = state.withLock { state in
                state.queue.append(Waiting(request: request, continuation: continuation))
                guard state.running < runners else { return false }
                state.running += 1
                return true
            }
            if startsRunner { Task { await self.drain() } }
        }
    }

    /// Runs batches until none wait.
    private func drain() async {
        while let batch = next() {
            let results = await run(batch.map(\.request))
            for (index, waiting) in batch.enumerated() {
                waiting.continuation.resume(
                    with: index < results.count
                        ? results[index]
                        : .failure(
                            TesseraError.unavailable("a batch answered \(results.count) of \(batch.count) requests")))
            }
        }
    }

    /// The next batch, or `nil` — and one runner fewer — when none wait.
    private func next() -> [Waiting]? {
        state.withLock { state -> [Waiting]? in
            let taken = Array(state.queue.prefix(maximumBatch))
            state.queue.removeFirst(taken.count)
            if taken.isEmpty { state.running -= 1 }
            return taken.isEmpty ? nil : taken
        }
    }
}
