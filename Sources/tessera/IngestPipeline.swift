import Foundation
import Logging
import Prometheus
import TesseraCore
import TesseraHTTP
import TesseraSQLite
import TesseraWorkers

/// What accepts and projects ingest traffic, wired one way for `serve` and `bench`: the ingest log
/// that goes with the store, the projector that empties it, and the HTTP server that fills it.
struct IngestPipeline {
    let log: IngestLog
    let projector: IngestProjector
    let server: TesseraServer
    /// Scores, lifecycle stages and dynamic segments follow every ingest write through it.
    let derived: DerivedStateService
    /// Runs journey steps; ingest wakes it after every write.
    let journeyWorker: JourneyWorker
    /// Hands queued messages to their channels; the journey worker wakes it.
    let dispatcher: OutboxDispatcher
    /// On SQLite the log is a database file of its own, closed with the pipeline.
    private let ownsLogDatabase: Bool

    /// Opens (and migrates) the log for `store` at `url` — on SQLite a file of its own next to the
    /// database (`tessera.sqlite` → `tessera-ingest.sqlite`), so that accepting requests has its own
    /// writer; on PostgreSQL the `ingest_log` table in the same database — and builds the rest.
    ///
    /// Projection: one transaction of 2,000 messages at a time on SQLite (one writer; large
    /// transactions amortise its commits), four of 500 side by side on PostgreSQL;
    /// `TESSERA_PROJECTORS` (transactions side by side) and `TESSERA_PROJECTION_BATCH` override them.
    static func open(
        store: SQLTesseraStore, url: String, registry: PrometheusCollectorRegistry, logger: Logger,
        publicURL: String? = nil
    ) async throws -> IngestPipeline {
        let sqlitePath = url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : nil
        let log = IngestLog(
            driver: try sqlitePath.map { try SQLiteDriver(path: SQLiteDriver.ingestLogPath(forDatabase: $0)) }
                ?? store.driver)
        try await log.migrate()
        let environment = ProcessInfo.processInfo.environment
        let segments = SegmentService(store: store)
        let derived = DerivedStateService(store: store, segments: segments)
        let journeys = JourneyService(
            store: store, segments: segments, derived: derived,
            leaseSeconds: try EnvironmentSetting.number(
                "TESSERA_JOURNEY_LEASE_SECONDS", in: environment, default: Int64(60)),
            publicURL: publicURL)
        let dispatcher = OutboxDispatcher(store: store, logger: logger)
        let journeyWorker = JourneyWorker(journeys: journeys, logger: logger, afterSteps: dispatcher.wake)
        let derive = derived.ingestHook { error in
            logger.error(
                "score, lifecycle or segment update failed; the scheduled refresh repairs it",
                metadata: ["error": "\(error)"])
        }
        // Entries and awaited events are written by ingest itself; the worker only needs waking.
        let ingest = IngestService(
            store: store,
            afterWrite: { group, touched in
                journeyWorker.wake()
                await derive(group, touched)
            })
        let projector = IngestProjector(
            log: log, ingest: ingest, decode: TesseraServer.decode, logger: logger,
            batchMessages: try EnvironmentSetting.number(
                "TESSERA_PROJECTION_BATCH", in: environment, default: sqlitePath != nil ? 2_000 : 500),
            partitions: try EnvironmentSetting.number(
                "TESSERA_PROJECTORS", in: environment, default: sqlitePath != nil ? 1 : 4),
            shutdownDrain: .seconds(
                max(0, try EnvironmentSetting.number("TESSERA_SHUTDOWN_DRAIN", in: environment, default: 20))))
        // Seconds a group's accepted Segment traffic may wait for projection before its new requests
        // are refused with 429 (0: never).
        let maximumLag = try EnvironmentSetting.number(
            "TESSERA_INGEST_MAX_LAG", in: environment, default: TimeInterval(600))
        let server = TesseraServer(
            store: store, registry: registry, ingestLog: log, ingest: ingest, segments: segments,
            derived: derived, journeys: journeys,
            backpressure: maximumLag > 0 ? IngestBackpressure(log: log, maximumLag: maximumLag) : nil,
            onAppend: projector.wake)
        return IngestPipeline(
            log: log, projector: projector, server: server, derived: derived, journeyWorker: journeyWorker,
            dispatcher: dispatcher, ownsLogDatabase: sqlitePath != nil)
    }

    /// Closes the log's own database (the store is closed by its owner).
    func close() async throws {
        if ownsLogDatabase { try await log.driver.close() }
    }
}
