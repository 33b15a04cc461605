public import Foundation
public import Logging
import Metrics
import Synchronization
public import ServiceLifecycle
public import TesseraCore
public import TesseraDomain

/// Runs due journey steps (``JourneyService/runDue(at:limit:group:)``) and the grants they queue
/// (``JourneyService/grantDue(at:limit:group:)``) for every group (or one, ``group``): woken by
/// ingest when events may have entered members or ended waits (``wake()``), else looking every
/// `pollInterval` for steps whose time has come. Any number of workers — in `tessera serve`
/// processes or `tessera work` ones — may share one PostgreSQL database: each step is leased to one.
public final class JourneyWorker: Service, Sendable {
    let journeys: JourneyService
    let logger: Logger
    let pollInterval: Duration
    /// Called after a pass applied steps (they may have queued messages): wakes the dispatcher.
    let afterSteps: @Sendable () -> Void
    /// Step loops side by side. The first runs on every wake-up; the others join only when a pass
    /// leased a full batch (a blast, a backlog), each leasing its own runs, so one decides and renders
    /// while another writes (on SQLite, through the single writer): two loops blasted a plan ~45%
    /// faster than one on 2 cores, and three loops of 1,000 runs ~15% faster than two of 500 on
    /// both databases (one loop's database work then always overlaps another's deciding). Kept out
    /// of the trickle of single triggered runs, where a second loop only doubled the lease queries
    /// and lengthened PostgreSQL's latency tail (BENCHMARKS.md, sessions 15 and 20).
    public var stepLoops: Int { doorbells.count }
    /// The server's step loops and runs per pass (what `tessera serve` and the benchmarks run).
    public static let defaultStepLoops = 3
    public static let defaultBatch = 1_000
    private let doorbells: [Doorbell]
    /// Runs leased per pass; a full one brings in the other step loops.
    public let batch: Int
    /// The one group whose journeys this worker runs, or every group (nil: what servers run).
    public let group: GroupID?
    /// When domain events were last scanned for entries, and marketing events last emitted; whether a
    /// schedule's segment is part-entered.
    private let schedule = Mutex<(scanned: Date, emitted: Date, entering: Bool)>((.distantPast, .distantPast, false))
    /// Runs this worker entered already leased (``JourneyService/enterScheduledLeased(at:group:)``), in
    /// batches for the step loops to take before they lease any; lost with the process, they are
    /// leased again by any worker when their lease runs out.
    private let entered = Mutex<[(token: String, runs: [JourneyRun])]>([])
    private let stepCount = Counter(label: "tessera_journey_steps_total")
    private let failures = Counter(label: "tessera_journey_failures_total")

    public init(
        journeys: JourneyService, logger: Logger, pollInterval: Duration = .milliseconds(250),
        stepLoops: Int = defaultStepLoops, batch: Int = defaultBatch, group: GroupID? = nil,
        afterSteps: @escaping @Sendable () -> Void = {}
    ) {
        self.batch = max(1, batch)
        self.group = group
        self.doorbells = (0..<max(1, stepLoops)).map { _ in Doorbell() }
        self.journeys = journeys
        self.logger = logger
        self.pollInterval = pollInterval
        self.afterSteps = afterSteps
    }

    /// Tells the worker there may be new work; cheap, callable from any task.
    @Sendable public func wake() { doorbells[0].ring() }

    public func run() async throws {
        // Each loop stops between two passes on graceful shutdown (``Doorbell/loop(every:_:)``).
        await withDiscardingTaskGroup { group in
            for (index, doorbell) in doorbells.enumerated() {
                group.addTask {
                    if index == 0 {
                        // Also the periodic work and the grants, and the polling for steps come due.
                        await doorbell.loop(every: self.pollInterval) { await self.pass(at: Date()) }
                    } else {
                        // Only when the first loop rings them: it polls for all of them.
                        await doorbell.loop(every: .seconds(3_600)) { await self.steps(at: Date()) }
                    }
                }
            }
        }
    }

    /// One batch of due steps and nothing else — what the additional step loops run.
    private func steps(at now: Date) async -> Int {
        await guarded {
            let applied = try await stepBatch(at: now)
            record(applied)
            return applied
        }
    }

    /// Steps a batch this worker entered, or else a batch it leases.
    private func stepBatch(at now: Date) async throws -> Int {
        if let batch = entered.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            return try await journeys.step(batch.runs, token: batch.token, at: now)
        }
        return try await journeys.runDue(at: now, limit: batch, group: group, enteringSchedules: false)
    }

    /// Runs `work`; a failure is counted, logged and answered as 0 steps — the steps' leases run out
    /// and a later pass takes them again.
    private func guarded(_ work: () async throws -> Int) async -> Int {
        do {
            return try await work()
        } catch {
            failures.increment()
            logger.error("journey steps failed; retried when their leases end", metadata: ["error": "\(error)"])
            return 0
        }
    }

    private func record(_ applied: Int) {
        if applied >= batch || !entered.withLock(\.isEmpty) {
            // More may be due: bring in the other loops until they find nothing.
            for doorbell in doorbells.dropFirst() { doorbell.ring() }
        }
        stepCount.increment(by: applied)
        if applied > 0 {
            logger.debug("journey steps applied", metadata: ["steps": "\(applied)"])
            afterSteps()
        }
    }

    /// One batch of due steps; answers how many were applied (0 on a failure, which is logged: the
    /// steps' leases run out and a later pass takes them again).
    @discardableResult public func pass(at now: Date) async -> Int {
        await guarded {
            // Marketing events every ten minutes (idempotent); schedules and domain-event entries at most
            // each second, so the steps an ingested event wakes are not held up by them.
            let (scan, emit, entering) = schedule.withLock { last -> (Bool, Bool, Bool) in
                let due = (now.timeIntervalSince(last.scanned) >= 1, now.timeIntervalSince(last.emitted) >= 600)
                if due.0 { last.scanned = now }
                if due.1 { last.emitted = now }
                return (due.0, due.1, last.entering)
            }
            if emit { try await journeys.emitMarketingEvents(at: now, group: group) }
            // A segment is entered a chunk per pass, leased to this worker, once the loops have
            // nearly stepped the chunk before: with three batches per loop still queued, which keep
            // the other loops stepping while this one enters (a third of a second for 25,000 runs on
            // PostgreSQL). Each pass also steps a batch.
            if scan || entering, entered.withLock({ $0.reduce(0) { $0 + $1.runs.count } }) <= 3 * batch * stepLoops {
                let entry = try await journeys.enterScheduledLeased(at: now, group: group)
                let batches = stride(from: 0, to: entry.runs.count, by: batch).map {
                    (token: entry.token, runs: Array(entry.runs[$0..<min($0 + batch, entry.runs.count)]))
                }
                entered.withLock { $0 += batches }
                schedule.withLock { $0.entering = entry.unfinished > 0 }
                if entry.unfinished > 0 || !batches.isEmpty {
                    for doorbell in doorbells { doorbell.ring() }
                }
            }
            if scan { try await journeys.enterOnDomainEvents(at: now, group: group) }
            let applied = try await stepBatch(at: now)
            // Grants the steps queued go to the loyalty services now (and any left from earlier passes).
            while try await journeys.grantDue(at: now, group: group) > 0 {}
            record(applied)
            return applied
        }
    }
}
