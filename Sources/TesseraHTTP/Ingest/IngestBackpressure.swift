public import Foundation
import HTTPTypes
import Metrics
import Synchronization
public import TesseraCore
import TesseraDomain

/// Refuses a group's Segment-compatible requests for a while once its accepted traffic has waited
/// too long for projection, so the ingest log cannot grow without end when traffic outruns the
/// member store for good (a sustained flood, a projector that is not running).
///
/// The Segment endpoints answer as soon as a request is in the log, so nothing else slows a client
/// that sends faster than the projector writes: the log would grow until the disk is full, and
/// every member, segment and journey would fall hours behind. Once the oldest of the group's waiting
/// entries is older than ``maximumLag``, its requests are answered `429 Too Many Requests` with
/// `Retry-After`, writing nothing; Segment's and RudderStack's SDKs retry a 429 later, so nothing is
/// lost. Entries that failed for good do not count: nothing will project them.
///
/// The age is read from the log at most once a second per group (``refreshInterval``), so a busy
/// endpoint adds one small query a second, not one per request.
///
/// ```swift
/// let backpressure = IngestBackpressure(log: log, maximumLag: 600)
/// try await backpressure.admit(group: principal.groupID)  // throws the 429 when behind
/// ```
public final class IngestBackpressure: Sendable {
    public let log: IngestLog
    /// How long accepted messages may wait for projection before new ones are refused.
    public let maximumLag: TimeInterval
    /// How long a reading of the log serves before it is read again.
    public let refreshInterval: Duration
    /// The `Retry-After` of a refusal, in seconds.
    public let retryAfter: Int
    private let readings = Mutex<[GroupID: Reading]>([:])
    private let throttled = Counter(label: "tessera_ingest_throttled_requests_total")

    private struct Reading {
        var at: ContinuousClock.Instant
        var oldestWaiting: Date?
    }

    public init(log: IngestLog, maximumLag: TimeInterval, refreshInterval: Duration = .seconds(1), retryAfter: Int = 5)
    {
        self.log = log
        self.maximumLag = maximumLag
        self.refreshInterval = refreshInterval
        self.retryAfter = retryAfter
    }

    /// Returns when `group` may append; throws a 429 ``Problem`` when its oldest waiting message was
    /// accepted more than ``maximumLag`` before `now`.
    func admit(group: GroupID, now: Date = Date()) async throws {
        let clock = ContinuousClock.now
        var oldest: Date?
        if let reading = readings.withLock({ $0[group] }), clock - reading.at < refreshInterval {
            oldest = reading.oldestWaiting
        } else {
            oldest = try await log.oldestWaiting(group: group, now: now)
            readings.withLock { $0[group] = Reading(at: clock, oldestWaiting: oldest) }
        }
        guard let oldest, refuses(oldestWaiting: oldest, now: now) else { return }
        let lag = now.timeIntervalSince(oldest)
        throttled.increment()
        var problem = Problem(
            .tooManyRequests, title: "Ingest backlog",
            detail:
                "accepted messages of this group have waited \(Int(lag)) s to be projected (the limit is "
                + "\(Int(maximumLag)) s); nothing was written: retry in \(retryAfter) s")
        problem.reasonCode = "ingest_backlog"
        problem.retryAfter = retryAfter
        throw problem
    }

    /// Whether a group whose oldest waiting message was accepted at `oldestWaiting` is refused at
    /// `now`. `GET /api/v1/ingest/status` asks it of the status it reads anyway
    /// (``IngestLogStatus/oldestPendingAt``), so it costs that endpoint no query of its own.
    func refuses(oldestWaiting: Date?, now: Date) -> Bool {
        guard let oldestWaiting else { return false }
        return now.timeIntervalSince(oldestWaiting) > maximumLag
    }
}
