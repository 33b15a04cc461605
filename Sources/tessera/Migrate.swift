import ArgumentParser
import TesseraCore

/// `tessera migrate`: applies pending schema migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store = SQLTesseraStore(driver: try DatabaseOptions.driver(for: database.url))
        let applied = try await store.migrate()
        print(applied.isEmpty ? "schema is up to date" : "applied: " + applied.joined(separator: ", "))
        try await store.close()
    }
}
