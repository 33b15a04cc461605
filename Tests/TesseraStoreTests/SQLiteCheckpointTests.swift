import Foundation
import Testing
import TesseraCore
import TesseraSQLite

/// SQLite only: committed pages reach the database file through the background checkpointer, not
/// through the writer's own automatic checkpoint (which is set far beyond what these writes fill).
@Suite("SQLite checkpoints")
struct SQLiteCheckpointTests {
    @Test func committedPagesReachTheDatabaseFileWithoutTheWriterCheckpointing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let driver = try SQLiteDriver(path: path)
        try await driver.run(
            ExecuteProgram([SQLStatement("CREATE TABLE filler (body TEXT NOT NULL)", [])]), writes: true)
        let fileSizeBefore = try Self.size(of: path)
        // About 4 MiB in one transaction: ~1,000 pages, far below the writer's own threshold.
        let row = String(repeating: "x", count: 4_000)
        try await driver.run(
            ExecuteProgram(
                (0..<1_000).map { _ in SQLStatement("INSERT INTO filler (body) VALUES (?)", [.text(row)]) }),
            writes: true)
        var fileSize = try Self.size(of: path)
        let deadline = ContinuousClock.now + .seconds(20)
        while fileSize < fileSizeBefore + 4_000_000, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            fileSize = try Self.size(of: path)
        }
        #expect(fileSize >= fileSizeBefore + 4_000_000, "the committed pages were copied into the database file")
        try await driver.close()

        // Reopened, everything committed is there.
        let reopened = try SQLiteDriver(path: path)
        let count = try await reopened.run(
            QueryProgram(SQLStatement("SELECT count(*) FROM filler", [])) { $0.first?.int(0) }, writes: false)
        #expect(count == 1_000)
        try await reopened.close()
    }

    static func size(of path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
