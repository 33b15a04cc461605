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
