import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
public import TesseraCore
public import TesseraDomain

/// Moves accepted requests from the ``IngestLog`` into the member store, many at a time.
///
/// Accepting a Segment batch only appends it to the log, so the HTTP path never waits for identity
/// resolution; this service then projects up to ``batchMessages`` messages of many requests in one
/// transaction per group, which is where the member store's cost per message is lowest. With
/// ``partitions`` above one it leases that many transactions' worth at once and writes them side by
/// side, split by ``IngestPartitioner`` so that no two of them name the same identifier. It is woken
/// as soon as something is appended (``wake()``) and also looks every ``pollInterval`` for work
/// appended by other processes or released for a retry.
///
/// As a `Service` it runs until graceful shutdown, then projects what is left — for at most
/// ``shutdownDrain``, stopping between two leases, so that a large backlog cannot outlast the grace
/// period a supervisor gives before it kills the process; whatever remains stays queued in the log
/// and is projected on the next start. Put it before the HTTP server in the `ServiceGroup`, which
/// stops services in reverse order, so the server has answered its last request first.
///
/// ```swift
/// let projector = IngestProjector(log: log, ingest: ingest, decode: TesseraServer.decode, logger: logger)
/// let server = TesseraServer(store: store, registry: registry, ingestLog: log, onAppend: projector.wake)
/// ```
public final class IngestProjector: Service, Sendable {
    /// Maps a log entry back to the messages the HTTP layer validated when it accepted it; throws
    /// when the entry is unreadable, which keeps it in the log (retried, then failed) rather than lost.
    public typealias Decoder = @Sendable (IngestLogEntry) throws -> [Result<IngestMessage, FieldErrorList>]

    let log: IngestLog
    let ingest: IngestService
    let decode: Decoder
    let logger: Logger
    /// About how many messages one projection transaction takes.
    public let batchMessages: Int
    public let pollInterval: Duration
    /// Transactions written side by side from one lease: one on SQLite (a single writer); several
    /// on PostgreSQL. Each takes messages of other people than the rest (``IngestPartitioner``), so
    /// they do not queue behind each other's identifier locks.
    public let partitions: Int
    /// How long projecting the backlog may go on after graceful shutdown began; the lease under way
    /// always finishes.
    public let shutdownDrain: Duration
    private let doorbell = Doorbell()
    private let projected = Counter(label: "tessera_ingest_projected_messages_total")
    private let dropped = Counter(label: "tessera_ingest_dropped_messages_total")
    private let failures = Counter(label: "tessera_ingest_projection_failures_total")

    public init(
        log: IngestLog, ingest: IngestService, decode: @escaping Decoder, logger: Logger, batchMessages: Int = 2_000,
        partitions: Int = 1, pollInterval: Duration = .milliseconds(250), shutdownDrain: Duration = .seconds(20)
    ) {
        self.partitions = max(1, partitions)
        self.shutdownDrain = shutdownDrain
        self.log = log
        self.ingest = ingest
        self.decode = decode
        self.logger = logger
        self.batchMessages = batchMessages
        self.pollInterval = pollInterval
    }

    /// Tells the projector there is new work; cheap, callable from any task.
    @Sendable public func wake() { doorbell.ring() }

    public func run() async throws {
        // Graceful shutdown only stops the loop between two leases: cancelling it would abort the
        // lease being written (a driver call in a cancelled task throws), and its entries would
        // wait out a back-off and be projected again on the next start.
        let leftover = await loop()
        guard !Task.isCancelled else {
            // Cancelled outright, not shut down gracefully: stop now; leases run out and the next
            // start projects what is left.
            logger.info("ingest projector cancelled; what is left in the log is projected on the next start")
            return
        }
        // The HTTP server has stopped: project what it accepted, so a restart starts current — unless
        // that takes longer than the drain allows; the rest waits in the log, safe.
        do {
            let deadline = ContinuousClock.now + shutdownDrain
            var remaining = 0
            if let leftover { remaining += try await project(leftover) }
            let (projected, finished) = try await drain(before: deadline)
            remaining += projected
            if finished {
                logger.info("ingest projector stopped", metadata: ["projected at shutdown": "\(remaining)"])
            } else {
                logger.notice(
                    "ingest projector stopped before the log was empty; the rest is projected on the next start",
                    metadata: ["projected at shutdown": "\(remaining)", "drain": "\(shutdownDrain)"])
            }
        } catch {
            logger.error(
                "ingest projector stopped before the log was drained; what is left is projected on the next start",
                metadata: ["error": "\(error)"])
        }
    }

    /// Writes one lease while leasing and decoding the next, so the database is not idle while
    /// this process reads the log and parses requests. Leases are still written one after
    /// another: a person's messages in two leases keep their order. Stops between two leases once
    /// graceful shutdown begins (or the task is cancelled), returning a lease taken but not yet
    /// written (``run()`` writes it before draining the rest).
    private func loop() async -> Lease? {
        var next: Task<Lease?, any Error>?
        await doorbell.untilGracefulShutdown {
            let current: Lease?
            do {
                if let pending = next {
                    next = nil
                    current = try await pending.value
                } else {
                    current = try await lease()
                }
            } catch {
                // Undecodable entries were released with a back-off (or the log is unreachable):
                // wait for them or for new work.
                logger.warning("ingest projection failed", metadata: ["error": "\(error)"])
                await doorbell.wait(atMost: pollInterval)
                return
            }
            guard let current else {
                await doorbell.wait(atMost: pollInterval)
                return
            }
            next = Task { try await self.lease() }
            do {
                _ = try await project(current)
            } catch {
                // The entries were released with a back-off; the next lease goes ahead.
                logger.warning("ingest projection failed", metadata: ["error": "\(error)"])
            }
        }
        return try? await next?.value
    }

    /// Projects until nothing is left that may be leased now; returns the messages projected.
    /// Tests and the benchmark use it to wait for the member store to catch up.
    @discardableResult public func drain() async throws -> Int {
        try await drain(before: nil).projected
    }

    /// Projects leases until the log is empty (`finished`) or, between two leases, `deadline` has passed.
    private func drain(before deadline: ContinuousClock.Instant?) async throws -> (projected: Int, finished: Bool) {
        var total = 0
        while true {
            if let deadline, ContinuousClock.now >= deadline { return (total, false) }
            guard let lease = try await lease() else { return (total, true) }
            total += try await project(lease)
        }
    }

    /// Entries taken from the log, decoded and validated, with their valid messages per group.
    struct Lease: Sendable {
        var entries: [IngestLogEntry]
        /// Groups in log order of their first entry: a transaction never spans groups, and within a
        /// group the messages keep the order they were accepted in.
        var groups: [(group: GroupID, messages: [IngestMessage], receivedAt: Date)]
    }

    /// Leases up to ``partitions`` transactions' worth of entries and decodes them; `nil` when there
    /// was nothing to lease. Entries that cannot be decoded are released, with the error, for a retry.
    func lease() async throws -> Lease? {
        let entries = try await log.lease(maximumMessages: batchMessages * partitions, now: Date())
        guard !entries.isEmpty else { return nil }
        do {
            var groups: [(group: GroupID, messages: [IngestMessage], receivedAt: Date)] = []
            for entry in entries {
                let items = try await ingest.validate(try decode(entry), group: entry.groupID, brand: entry.brandID)
                let valid = items.compactMap { try? $0.get() }
                if valid.count < items.count {
                    // Valid when accepted, invalid now: an attribute definition changed in between.
                    dropped.increment(by: items.count - valid.count)
                    logger.warning(
                        "messages no longer valid when projected were dropped",
                        metadata: ["sequence": "\(entry.sequence)", "dropped": "\(items.count - valid.count)"])
                }
                if let index = groups.firstIndex(where: { $0.group == entry.groupID }) {
                    groups[index].messages += valid
                } else {
                    groups.append((entry.groupID, valid, entry.receivedAt))
                }
            }
            return Lease(entries: entries, groups: groups)
        } catch {
            try await fail(entries, error)
        }
    }

    /// Writes a lease's messages and deletes its entries; returns the valid messages written. On
    /// failure the entries are released with the error, for a retry after a back-off.
    func project(_ lease: Lease) async throws -> Int {
        do {
            var written = 0
            for (group, batch, receivedAt) in lease.groups {
                // Parts name disjoint identifiers and orders, so their order relative to each other
                // does not matter; within a part, messages keep their order. If one part fails, the
                // entries are released and projected again: the parts already written are skipped
                // then by their idempotency keys.
                try await withThrowingDiscardingTaskGroup { tasks in
                    for part in IngestPartitioner.partition(batch, into: partitions) {
                        tasks.addTask { _ = try await self.ingest.write(part, group: group, receivedAt: receivedAt) }
                    }
                }
                written += batch.count
            }
            try await log.complete(lease.entries.map(\.sequence))
            projected.increment(by: written)
            return written
        } catch {
            try await fail(lease.entries, error)
        }
    }

    private func fail(_ entries: [IngestLogEntry], _ error: any Error) async throws -> Never {
        failures.increment()
        try await log.release(entries, error: "\(error)", now: Date())
        throw error
    }
}
