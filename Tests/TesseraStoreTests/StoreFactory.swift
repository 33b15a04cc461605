import Foundation
import TesseraCore
import TesseraDomain
import TesseraPostgres
import TesseraSQLite

/// The databases every contract test runs against.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    var description: String { rawValue }

    /// A migrated store. PostgreSQL tests share one database and isolate by group, which is
    /// itself what tenancy guarantees; SQLite gets a fresh file per test. `sliceMembers`: see
    /// ``SQLTesseraStore/init(driver:ids:firstAnalysis:batchRunners:sliceMembers:)`` (1: any group
    /// large enough to cut is counted in slices).
    func makeStore(sliceMembers: Int = 50_000) async throws -> SQLTesseraStore {
        let driver: any SQLDriver
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tessera-\(UUID().uuidString).sqlite"
            ).path
            driver = try SQLiteDriver(path: path)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
                throw SetupError("TESSERA_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
            }
            driver = try PostgresDriver(url: url, maximumConnections: 8)
        }
        let store = SQLTesseraStore(driver: driver, sliceMembers: sliceMembers)
        try await store.migrate()
        return store
    }
}

extension Backend {
    /// An empty, migrated ingest log: a file of its own on SQLite; on PostgreSQL the shared test
    /// database's table, emptied (the suites that use it run serialized).
    func makeIngestLog(beside store: SQLTesseraStore) async throws -> IngestLog {
        let log: IngestLog
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tessera-\(UUID().uuidString)-ingest.sqlite"
            ).path
            log = IngestLog(driver: try SQLiteDriver(path: path))
        case .postgres:
            log = IngestLog(driver: store.driver)
        }
        try await log.migrate()
        try await log.driver.run(ExecuteProgram([SQLStatement("DELETE FROM ingest_log", [])]), writes: true)
        return log
    }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A new group with one brand, and a principal for it.
struct Tenant {
    let store: SQLTesseraStore
    let principal: Principal
    let ingest: IngestService

    static func make(_ store: SQLTesseraStore, policy: IdentityPolicy = .default) async throws -> Tenant {
        let ids = TenantIDGenerator()
        let group = GroupID(ids.next())
        let brand = Brand(id: BrandID(ids.next()), groupID: group, code: "b", name: "Brand")
        try await store.createGroup(group, name: "g", policy: policy, at: Date())
        try await store.createBrand(brand, at: Date())
        let principal = Principal(groupID: group, brandID: brand.id, keyID: APIKeyID("k"), scopes: [.admin])
        return Tenant(store: store, principal: principal, ingest: IngestService(store: store))
    }

    @discardableResult
    func send(_ messages: [IngestMessage]) async throws -> IngestResult {
        try await ingest.ingest(messages.map { .success($0) }, principal: principal)
    }

    func member(_ identifier: String) async throws -> MemberView? {
        guard let id = try await store.memberID(group: principal.groupID, identifier: try Identifier.parse(identifier))
        else {
            return nil
        }
        return try await store.member(group: principal.groupID, id: id)
    }
}

/// Shorthand for test messages.
func message(
    _ key: String, _ identifiers: [String], kind: MessageKind = .track, registers: Bool = false,
    name: String? = "Viewed",
    channel: String = "web", at seconds: TimeInterval = 1_700_000_000, profile: ProfilePatch? = nil,
    order: OrderInput? = nil, brand: BrandID? = nil
) throws -> IngestMessage {
    IngestMessage(
        idempotencyKey: key, kind: kind, identifiers: try identifiers.map { try Identifier.parse($0) },
        registers: registers,
        name: name, channel: channel, brandID: brand, occurredAt: Date(timeIntervalSince1970: seconds),
        properties: .object(["k": .string(key)]), profile: profile, order: order)
}

extension Tenant {
    /// The group's event summaries (`member_event_stats`) as stored, and as the events summarise now:
    /// equal whenever the insert trigger and the merge programs kept them current. Nil on PostgreSQL,
    /// which keeps no summaries (see `Migration.memberEventStats`).
    func eventSummaries() async throws -> (stored: [SQLRow], fromEvents: [SQLRow])? {
        guard store.driver.dialect.keepsEventSummaries else { return nil }
        let columns = "group_id, member_id, brand_id, name"
        func rows(_ sql: String) async throws -> [SQLRow] {
            try await store.driver.run(
                QueryProgram(SQLStatement(sql, [.text(principal.groupID.rawValue)]), map: { $0 }), writes: false)
        }
        return (
            try await rows(
                "SELECT \(columns), first_at, last_at, times FROM member_event_stats WHERE group_id = ? ORDER BY \(columns)"
            ),
            try await rows(
                """
                SELECT \(columns), min(occurred_at), max(occurred_at), count(*) FROM events WHERE group_id = ? \
                AND member_id IS NOT NULL AND brand_id IS NOT NULL AND name IS NOT NULL \
                GROUP BY \(columns) ORDER BY \(columns)
                """)
        )
    }
}
