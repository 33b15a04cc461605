import Foundation
import Testing
import TesseraCore
import TesseraSQLite

/// SQLite only: a connection keeps a bounded number of prepared statements however many different
/// texts it runs, and keeps the ones it keeps using. Read through SQLite's `sqlite_stmt` table (the
/// connection's own statements, with how often each ran).
@Suite("SQLite prepared statements")
struct SQLiteStatementCacheTests {
    @Test func aConnectionKeepsABoundedSetOfStatementsAndTheOnesItKeepsUsing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stmts-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let driver = try SQLiteDriver(path: path)
        let hot = SQLStatement("SELECT 'hot' AS answer", [])
        // 700 texts that differ only in a list's length, as batches of different sizes make them,
        // each followed by the same statement again.
        for length in 1...700 {
            let list = SQLStatement(
                "SELECT ? IN (\(Array(repeating: "?", count: length).joined(separator: ", ")))",
                (0...length).map { .int(Int64($0)) })
            _ = try await driver.run(QueryProgram(list) { $0.count }, writes: true)
            _ = try await driver.run(QueryProgram(hot) { $0.count }, writes: true)
        }
        let (held, hotRuns) = try await driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT count(*), coalesce(sum(CASE WHEN sql = ? THEN run END), 0) FROM sqlite_stmt",
                    [.text(hot.sql)])
            ) { ($0.first?.int(0) ?? 0, $0.first?.int(1) ?? 0) }, writes: true)
        #expect(held <= 520, "the writer holds \(held) prepared statements")
        #expect(hotRuns == 700, "the statement in constant use was never dropped and prepared again")
        try await driver.close()
    }
}
