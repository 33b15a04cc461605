public import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
public import TesseraCore

/// Turns queued orders and events into points, growth and tier changes (``EarningStore``).
///
/// The ingest path queues every changed order and every event a rule names, in the transaction
/// that writes them; this service takes due items oldest first, each in its own transaction, and
/// is woken by the ingest projector (``wake()``) or looks every `pollInterval`. A failed item is
/// postponed by `retryDelay` with its error kept (visible in the queue), never dropped. Any
/// number of workers may run on one PostgreSQL database: an item another worker holds is skipped.
public final class EarningWorker: Service, Sendable {
    let store: any TesseraStore
    let logger: Logger
    let pollInterval: Duration
    let retryDelay: TimeInterval
    private let doorbell = Doorbell()
    private let processed = Counter(label: "tessera_loyalty_earning_processed_total")
    private let failures = Counter(label: "tessera_loyalty_earning_failures_total")

    public init(
        store: any TesseraStore, logger: Logger, pollInterval: Duration = .milliseconds(500),
        retryDelay: TimeInterval = 60
    ) {
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.retryDelay = retryDelay
    }

    /// Tells the worker there may be new work; cheap, callable from any task.
    @Sendable public func wake() { doorbell.ring() }

    public func run() async throws {
        await doorbell.loop(every: pollInterval) { await self.pass(at: Date()) }
    }

    /// Processes up to `limit` due items; returns how many were taken (processed or postponed).
    @discardableResult public func pass(at now: Date, limit: Int = 256) async -> Int {
        let items: [LoyaltyQueueItem]
        do {
            items = try await store.dueEarnings(at: now, limit: limit)
        } catch {
            logger.error("could not read the loyalty queue", metadata: ["error": "\(error)"])
            return 0
        }
        var handled = 0
        for item in items {
            do {
                let result = try await store.processEarning(item, at: now)
                if !result.skipped {
                    handled += 1
                    processed.increment()
                }
            } catch {
                handled += 1
                failures.increment()
                logger.warning(
                    "earning failed; retried later",
                    metadata: ["kind": "\(item.kind.rawValue)", "ref": "\(item.ref)", "error": "\(error)"])
                try? await store.postponeEarning(
                    item, error: "\(error)", retryAt: now.addingTimeInterval(retryDelay))
            }
        }
        return handled
    }
}
