import ArgumentParser
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import TesseraCore
import TesseraWorkers
import UnixSignals

/// `tessera work`: the background workers without the HTTP server — ingest projection, loyalty
/// earning and schedules, segment refresh, journey steps and the outbox dispatcher. Any number of these processes (and
/// `tessera serve` ones) may share one PostgreSQL database: queued work is leased to one of them.
struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the background workers without the server.")

    @OptionGroup var database: DatabaseOptions
    @Option(
        help:
            "The public address of the tessera server, for tracked links in messages (default: TESSERA_PUBLIC_URL; without one, links are not tracked)."
    )
    var publicURL: String?

    func run() async throws {
        var logger = Logger(label: "tessera.work")
        logger.logLevel = try EnvironmentSetting.logLevel(in: ProcessInfo.processInfo.environment)
        let store = try await database.openStore()
        let pipeline = try await IngestPipeline.open(
            store: store, url: database.url, registry: PrometheusCollectorRegistry(), logger: logger,
            publicURL: publicURL ?? ProcessInfo.processInfo.environment["TESSERA_PUBLIC_URL"])
        logger.info("tessera workers running", metadata: ["database": "\(database.url.redactingPassword)"])
        let services = ServiceGroup(
            configuration: .init(
                services: Self.services(pipeline: pipeline, store: store, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try await pipeline.close()
        try await store.close()
    }

    /// The workers, in start order (they stop in reverse).
    static func services(pipeline: IngestPipeline, store: SQLTesseraStore, logger: Logger)
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        [
            .init(service: pipeline.projector),
            .init(service: EarningWorker(store: store, logger: logger)),
            .init(service: LoyaltyScheduleJob(loyalty: LoyaltyService(store: store), logger: logger)),
            .init(service: SegmentRefreshJob(derived: pipeline.derived, store: store, logger: logger)),
            .init(service: pipeline.journeyWorker),
            .init(service: pipeline.dispatcher),
        ]
    }
}
