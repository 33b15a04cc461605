import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import TesseraCore
import TesseraHTTP
import TesseraWorkers
import ServiceLifecycle
import UnixSignals

/// `tessera serve`: migrates, initialises an empty database, and serves the API until SIGTERM/SIGINT,
/// finishing in-flight requests before exiting.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Log format: text or json (default: TESSERA_LOG_FORMAT, else text).") var logFormat: String?
    @Option(
        help:
            "The address members reach this server at, for tracked links in messages (default: TESSERA_PUBLIC_URL, else http://HOST:PORT)."
    )
    var publicURL: String?
    @Flag(
        inversion: .prefixedNo,
        help: "Run the background workers (ingest projection, loyalty, segments, journeys) in this process.")
    var workers = true
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let format = logFormat ?? ProcessInfo.processInfo.environment["TESSERA_LOG_FORMAT"] ?? "text"
        guard ["text", "json"].contains(format) else { throw ValidationError("--log-format must be text or json") }
        if format == "json" { LoggingSystem.bootstrap { label in JSONLogHandler(label: label) } }
        var logger = Logger(label: "tessera")
        logger.logLevel = try EnvironmentSetting.logLevel(in: ProcessInfo.processInfo.environment)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let store = try await database.openStore()
        let bootstrap = Bootstrap(store: store)
        if try await !bootstrap.isInitialized() {
            Init.show(try await bootstrap.initialize())
        }
        let pipeline = try await IngestPipeline.open(
            store: store, url: database.url, registry: registry, logger: Logger(label: "tessera.ingest"),
            publicURL: publicURL ?? ProcessInfo.processInfo.environment["TESSERA_PUBLIC_URL"]
                ?? "http://\(host):\(port)")
        let startupLogger = logger
        let address = "http://\(host):\(port)"
        let redactedURL = database.url.redactingPassword
        let app = Application(
            router: pipeline.server.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "tessera"),
            onServerRunning: { _ in
                startupLogger.info(
                    "tessera listening", metadata: ["address": "\(address)", "database": "\(redactedURL)"])
            },
            logger: logger)
        // Services stop in reverse order: the server answers its last request, then the projector
        // writes what is still in the log, then the databases close.
        let services = ServiceGroup(
            configuration: .init(
                services: (workers ? Work.services(pipeline: pipeline, store: store, logger: logger) : [])
                    + [.init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        try await pipeline.close()
        try await store.close()
    }
}

extension String {
    /// A database URL without its password, for logs.
    var redactingPassword: String {
        guard var components = URLComponents(string: self), components.password != nil else { return self }
        components.password = "***"
        return components.string ?? self
    }
}
