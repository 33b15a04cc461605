import ArgumentParser
import Foundation
import TesseraCore
import TesseraPostgres
import TesseraSQLite

/// `--database URL`, shared by every command: `sqlite:///path/file.sqlite` or
/// `postgres://user:pass@host:port/db`; else `TESSERA_DATABASE_URL`; else SQLite in `./.tessera/`.
struct DatabaseOptions: ParsableArguments {
    static let defaultURL = "sqlite://./.tessera/tessera.sqlite"

    @Option(
        help:
            "sqlite:///path/file.sqlite or postgres://user:pass@host:port/db (default: TESSERA_DATABASE_URL, else \(defaultURL))"
    )
    var database: String?

    var url: String { database ?? ProcessInfo.processInfo.environment["TESSERA_DATABASE_URL"] ?? Self.defaultURL }

    /// Opens the store and brings its schema up to date.
    func openStore() async throws -> SQLTesseraStore {
        let store = SQLTesseraStore(driver: try Self.driver(for: url))
        try await store.migrate()
        return store
    }

    /// Opens the ingest log that goes with `store` and brings its schema up to date: on SQLite a
    /// file of its own next to the database (`tessera.sqlite` → `tessera-ingest.sqlite`), so that
    /// accepting requests has its own writer; on PostgreSQL a table in the same database.
    static func openIngestLog(for store: SQLTesseraStore, url: String) async throws -> IngestLog {
        let log: IngestLog
        if url.hasPrefix("sqlite://") {
            log = IngestLog(driver: try SQLiteDriver(path: ingestLogPath(forDatabase: String(url.dropFirst(9)))))
        } else {
            log = IngestLog(driver: store.driver)
        }
        try await log.migrate()
        return log
    }

    /// Projection loops: SQLite has one writer, PostgreSQL takes several at once (override with
    /// `TESSERA_PROJECTORS`).
    static func projectionConcurrency(url: String) -> Int {
        ProcessInfo.processInfo.environment["TESSERA_PROJECTORS"].flatMap(Int.init)
            ?? (url.hasPrefix("sqlite://") ? 1 : 4)
    }

    /// Messages per projection: large on SQLite, where it amortises the one writer's commits;
    /// smaller on PostgreSQL, so that the loops share the work.
    static func projectionBatch(url: String) -> Int {
        ProcessInfo.processInfo.environment["TESSERA_PROJECTION_BATCH"].flatMap(Int.init)
            ?? (url.hasPrefix("sqlite://") ? 2_000 : 500)
    }

    /// `/data/tessera.sqlite` → `/data/tessera-ingest.sqlite`.
    static func ingestLogPath(forDatabase path: String) -> String {
        path.hasSuffix(".sqlite") ? String(path.dropLast(7)) + "-ingest.sqlite" : path + "-ingest"
    }

    static func driver(for url: String) throws -> any SQLDriver {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else {
                throw ValidationError("sqlite URL needs a path: sqlite:///var/lib/tessera.sqlite")
            }
            return try SQLiteDriver(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresDriver(url: url)
        }
        throw ValidationError(
            "unsupported database URL '\(url)': use sqlite:///path or postgres://user:pass@host:port/db")
    }
}
