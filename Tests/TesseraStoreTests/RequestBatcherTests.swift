import Synchronization
import Testing
import TesseraCore

/// The batcher that lets concurrent ledger operations share transactions: each request gets its
/// own answer, requests that wait go together, and no more batches run at once than allowed.
@Suite("Request batcher")
struct RequestBatcherTests {
    /// Records the batches it is given and how many run at once; the first batch waits for `gate`.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let running = Mutex((now: 0, most: 0))
        let started = AsyncStream<Void>.makeStream()
        let gate = AsyncStream<Void>.makeStream()

        func run(_ batch: [Int]) async -> [Result<Int, any Error>] {
            let first = batches.withLock { batches in
                batches.append(batch)
                return batches.count == 1
            }
            running.withLock { $0 = ($0.now + 1, max($0.most, $0.now + 1)) }
            if first {
                started.continuation.yield()
                for await _ in gate.stream { break }
            }
            running.withLock { $0.now -= 1 }
            return batch.map {
                $0 < 0 ? .failure(TesseraError.invalid(field: "n", reason: "negative")) : .success($0 * 10)
            }
        }
    }

    @Test func requestsWaitingTogetherRunAsOneBatchAndEachGetsItsAnswer() async throws {
        let recorder = Recorder()
        let batcher = RequestBatcher<Int, Int>(maximumBatch: 64, runners: 1) { await recorder.run($0) }
        async let first = batcher.submit(0)
        for await _ in recorder.started.stream { break }
        // The only runner is busy with the first request: everything submitted now waits for it.
        let answers = Task {
            await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for number in [-1] + Array(1...40) {
                    group.addTask { (number, await Result { try await batcher.submit(number) }) }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        recorder.gate.continuation.yield()
        #expect(try await first == 0)
        let results = await answers.value
        for number in 1...40 { #expect(try results[number]?.get() == number * 10) }
        #expect(throws: TesseraError.invalid(field: "n", reason: "negative")) { try results[-1]?.get() }
        let batches = recorder.batches.withLock { $0 }
        #expect(batches.first == [0])
        #expect(batches.count < 42, "the waiting requests were not batched: \(batches)")
        #expect(batches.flatMap { $0 }.sorted() == [-1] + Array(0...40))
        #expect(recorder.running.withLock { $0.most } == 1)
    }

    @Test func batchesAreBoundedAndAShortAnswerFailsTheRest() async throws {
        let sizes = Mutex<[Int]>([])
        let batcher = RequestBatcher<Int, Int>(maximumBatch: 3, runners: 2) { batch in
            sizes.withLock { $0.append(batch.count) }
            try? await Task.sleep(for: .milliseconds(5))
            return batch.dropLast().map { .success($0) }
        }
        let results = await withTaskGroup(of: Result<Int, any Error>.self) { group in
            for number in 0..<20 { group.addTask { await Result { try await batcher.submit(number) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.withLock { $0 }.allSatisfy { $0 <= 3 })
        let failures = results.filter { if case .failure = $0 { true } else { false } }.count
        #expect(failures == sizes.withLock { $0.count })
    }
}

extension Result where Failure == any Error {
    /// The result of `body`, thrown errors as failures.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
