public import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
public import TesseraChannels
public import TesseraCore

/// Delivers queued journey messages through their channels (the outbox pattern: a step writes its
/// message in its own transaction; this service hands it over afterwards, at least once, with the
/// message's idempotency key so a receiver can drop a repeat).
///
/// Messages are leased in batches (`SKIP LOCKED` on PostgreSQL, so any number of dispatchers share a
/// database) and delivered concurrently. A retryable failure waits `baseDelay × 2^attempts` (at most an
/// hour); after `maximumAttempts` the message fails for good with `provider_error` — the dead letter,
/// visible with its last error in the journey's messages.
public final class OutboxDispatcher: Service, Sendable {
    let store: any TesseraStore
    let channel: any MessageChannel
    let logger: Logger
    let maximumAttempts: Int
    let baseDelay: TimeInterval
    let pollInterval: Duration
    private let doorbell = Doorbell()
    private let delivered = Counter(label: "tessera_outbox_delivered_total")
    private let failed = Counter(label: "tessera_outbox_failed_total")

    /// - Parameter channel: what hands a message over (by default the adapter of its configured kind).
    public init(
        store: any TesseraStore, channel: any MessageChannel = ChannelRouter.shared,
        logger: Logger, maximumAttempts: Int = 8, baseDelay: TimeInterval = 10, pollInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.channel = channel
        self.logger = logger
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.pollInterval = pollInterval
    }

    @Sendable public func wake() { doorbell.ring() }

    public func run() async throws {
        await doorbell.loop(every: pollInterval) { await self.pass(at: Date()) }
    }

    /// Delivers one batch of due messages; answers how many were attempted.
    @discardableResult public func pass(at now: Date, limit: Int = 64) async -> Int {
        let token = UUID().uuidString
        let messages: [OutboundMessage]
        do {
            messages = try await store.claimQueuedMessages(now: now, limit: limit, leaseSeconds: 120, token: token)
        } catch {
            logger.error("could not read the outbox", metadata: ["error": "\(error)"])
            return 0
        }
        guard !messages.isEmpty else { return 0 }
        let outcomes = await withTaskGroup(of: (OutboundMessage, DeliveryOutcome).self) { group in
            for message in messages {
                group.addTask { (message, await self.channel.deliver(message)) }
            }
            var outcomes: [(message: OutboundMessage, outcome: DeliveryOutcome, retryAt: Date?)] = []
            for await (message, outcome) in group {
                var retryAt: Date?
                if case .retry = outcome, message.attempts + 1 < maximumAttempts {
                    retryAt = now.addingTimeInterval(min(baseDelay * pow(2, Double(message.attempts)), 3_600))
                }
                outcomes.append((message, outcome, retryAt))
            }
            return outcomes
        }
        for (_, outcome, retryAt) in outcomes {
            if case .delivered = outcome { delivered.increment() } else if retryAt == nil { failed.increment() }
        }
        do {
            try await store.recordDeliveries(outcomes, token: token, at: Date())
        } catch {
            logger.error("could not record deliveries; they are retried", metadata: ["error": "\(error)"])
        }
        return messages.count
    }
}
