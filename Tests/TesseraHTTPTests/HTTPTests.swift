import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraSQLite
import TesseraWorkers
import Logging

@Suite("HTTP API")
struct HTTPTests {
    struct Fixture {
        let app: Application<RouterResponder<TesseraContext>>
        let credentials: Bootstrap.Credentials
        let store: SQLTesseraStore
        let log: IngestLog
        let projector: IngestProjector
        let journeys: JourneyService

        func member(_ identifier: String) async throws -> MemberView? {
            let group = credentials.groupID
            guard let id = try await store.memberID(group: group, identifier: try Identifier.parse(identifier)) else {
                return nil
            }
            return try await store.member(group: group, id: id)
        }
    }

    static func fixture() async throws -> Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tessera-http-\(UUID().uuidString).sqlite"
        ).path
        let store = SQLTesseraStore(driver: try SQLiteDriver(path: path))
        try await store.migrate()
        let credentials = try await Bootstrap(store: store).initialize()
        let log = IngestLog(
            driver: try SQLiteDriver(path: SQLiteDriver.ingestLogPath(forDatabase: path)))
        try await log.migrate()
        let segments = SegmentService(store: store)
        let derived = DerivedStateService(store: store, segments: segments)
        let ingest = IngestService(
            store: store, afterWrite: derived.ingestHook { error in Issue.record("scoring update failed: \(error)") })
        let projector = IngestProjector(
            log: log, ingest: ingest, decode: TesseraServer.decode, logger: Logger(label: "test.ingest"))
        let journeys = JourneyService(store: store, segments: segments, derived: derived)
        let server = TesseraServer(
            store: store, registry: PrometheusCollectorRegistry(), ingestLog: log, ingest: ingest, segments: segments,
            derived: derived, journeys: journeys)
        return Fixture(
            app: Application(router: server.router()), credentials: credentials, store: store, log: log,
            projector: projector, journeys: journeys)
    }

    /// The response body as JSON.
    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue.parse(String(buffer: response.body))
    }

    static func basic(_ key: String) -> String { "Basic " + Data("\(key):".utf8).base64EncodedString() }

    @Test func segmentBatchStoresValidMessagesAndReportsInvalidOnes() async throws {
        let fixture = try await Self.fixture()
        try await fixture.app.test(.router) { client in
            let body = """
                {"batch":[{"type":"identify","messageId":"m1","userId":"u1","traits":{"phone":"13800000000"}},
                {"type":"track","messageId":"m2","userId":"u1","event":5},
                {"type":"track","messageId":"m3","event":"No id"}]}
                """
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: [.authorization: Self.basic(fixture.credentials.writeKey)],
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try Self.json(response)
                let errors = problem["errors"]?.arrayValue ?? []
                #expect(errors.map { $0["path"]?.stringValue } == ["$.batch[1].event", "$.batch[2].userId"])
                #expect(errors.map { $0["index"] } == [.number(1), .number(2)])
            }
            // Queued, not yet projected: the member appears once the projector has run.
            try await client.execute(
                uri: "/api/v1/ingest/status", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            ) { response in
                let status = try Self.json(response)
                #expect(status["pendingEntries"] == .number(1))
                #expect(status["pendingMessages"] == .number(1))
            }
            #expect(try await fixture.projector.drain() == 1)
            try await client.execute(
                uri: "/api/v1/members?identifier=phone:+8613800000000", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            ) { response in
                #expect(response.status == .ok)
                let member = try Self.json(response)
                #expect(member["kind"] == .string("member"))
            }
        }
    }

    @Test func keysAreCheckedForPresenceAndScope() async throws {
        let fixture = try await Self.fixture()
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/members/x", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/api/v1/members/x", method: .get, headers: [.authorization: "Bearer tsk_00000000_bad"]
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/api/v1/members/x", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.writeKey)"]
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/members/x", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func nativeOrderRejectsWrongTypesWithTheirPath() async throws {
        let fixture = try await Self.fixture()
        try await fixture.app.test(.router) { client in
            let body =
                #"{"orderId":"o1","identifiers":["phone:13800000000"],"status":"paid","totalMinor":"lots","items":[{"sku":"a","quantity":0}]}"#
            try await client.execute(
                uri: "/api/v1/orders", method: .post,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"], body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest)
                let problem = try Self.json(response)
                #expect(problem["errors"]?.arrayValue?.first?["path"] == .string("$.totalMinor"))
            }
            try await client.execute(
                uri: "/api/v1/members?identifier=phone:13800000000", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func everyRouteIsInTheOpenAPIDocument() async throws {
        let document = OpenAPIDocument.document
        for route in APIRoute.all {
            #expect(
                document["paths"]?[route.path]?[route.method] != nil, "\(route.method) \(route.path) is undocumented")
        }
        #expect(document["openapi"] == .string("3.1.0"))
    }
}
