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

    /// - Parameter maximumLag: with it, the Segment endpoints refuse a group's requests once its
    ///   accepted messages have waited that long (``IngestBackpressure``, reading the log every time).
    static func fixture(maximumLag: TimeInterval? = nil) async throws -> Fixture {
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
            derived: derived, journeys: journeys,
            backpressure: maximumLag.map { IngestBackpressure(log: log, maximumLag: $0, refreshInterval: .zero) })
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

    /// The scheme is matched without regard to case (RFC 9110 §11.1), spaces around the
    /// credentials are dropped, and a Basic user name is the key with or without a password part.
    @Test func authorizationSchemesIgnoreCaseAndSpaces() async throws {
        let fixture = try await Self.fixture()
        let key = fixture.credentials.adminKey
        let encoded = Data(key.utf8).base64EncodedString()
        try await fixture.app.test(.router) { client in
            for header in [
                "bearer \(key)", "BEARER   \(key)  ", Self.basic(key), "basic \(encoded)",
                "Basic " + Data("\(key):secret:more".utf8).base64EncodedString(),
            ] {
                try await client.execute(uri: "/api/v1/members/x", method: .get, headers: [.authorization: header]) {
                    #expect($0.status == .notFound, "\(header)")
                }
            }
            for header in ["Token \(key)", "Bearer", "Bearer\(key)", "Basic not-base64!"] {
                try await client.execute(uri: "/api/v1/members/x", method: .get, headers: [.authorization: header]) {
                    #expect($0.status == .unauthorized, "\(header)")
                }
            }
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

    /// A path answers a method it lacks with 405 and the methods it has (a literal path winning
    /// over a parameter, as in the router), OPTIONS with 204, HEAD like GET; an unknown path is 404.
    @Test func methodsAPathLacksAre405WithAllow() async throws {
        let fixture = try await Self.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/journeys/validate", method: .delete, headers: admin) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "OPTIONS, POST")
                #expect($0.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/v1/journeys/welcome", method: .patch, headers: admin) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.headers[.allow] == "GET, HEAD, OPTIONS, PUT")
            }
            try await client.execute(uri: "/api/v1/brands", method: .options) {
                #expect($0.status == .noContent)
                #expect($0.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            }
            try await client.execute(uri: "/api/v1/brands", method: .head, headers: admin) {
                #expect($0.status == .ok)
                #expect($0.body.readableBytes == 0)
            }
            try await client.execute(uri: "/api/v1/nothing-here", method: .delete, headers: admin) {
                #expect($0.status == .notFound)
            }
            // A route's own 404 is not turned into a 405.
            try await client.execute(uri: "/api/v1/members/nobody", method: .get, headers: admin) {
                #expect($0.status == .notFound)
            }
        }
    }

    /// What PostgreSQL cannot store or index is refused up front, with a 400 naming it, on every
    /// store alike: U+0000 in a body or a URL, ids over 256 characters, event names and keys over 200.
    @Test func whatAStoreCannotHoldIsRefusedUpFront() async throws {
        let fixture = try await Self.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            let (nul, nulProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/members", #"{"identifiers": ["external:a"], "name": "A\u0000"}"#, admin)
            #expect(nul == .badRequest)
            #expect(nulProblem["detail"]?.stringValue?.contains("u0000") == true)
            try await client.execute(uri: "/api/v1/journey-reports?names=a%00b", method: .get, headers: admin) {
                #expect($0.status == .badRequest)
            }
            let longOrder = String(repeating: "o", count: 257)
            let (order, orderProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/orders",
                #"{"orderId": "\#(longOrder)", "status": "paid", "identifiers": ["external:a"]}"#,
                admin)
            #expect(order == .badRequest)
            #expect(orderProblem["errors"]?.arrayValue?.first?["path"] == .string("$.orderId"))
            let longName = String(repeating: "e", count: 201)
            let (event, eventProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/events",
                #"{"events": [{"identifiers": ["external:a"], "name": "\#(longName)", "idempotencyKey": "k1"}]}"#, admin
            )
            #expect(event == .badRequest)
            #expect(eventProblem["errors"]?.arrayValue?.first?["path"] == .string("$.events[0].name"))
            // A code naming no brand is a well-formed request the data refuses.
            let (store, storeProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/stores", #"{"code": "s1", "name": "S", "brand": "nope"}"#, admin)
            #expect(store == .unprocessableContent)
            #expect(storeProblem["code"] == .string("brand_not_found"))
        }
    }

    /// The survivor is the resource a merge addresses, the merged member a reference in its body: a
    /// missing survivor is 404, a missing merged member a 422 naming the field, and neither changes
    /// anything: the survivor stays active with only its own identifier.
    @Test func aMergeSaysWhichMemberIsMissing() async throws {
        let fixture = try await Self.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            let (created, body) = try await SegmentHTTPTests.post(
                client, "/api/v1/members", #"{"identifiers": ["external:survivor"]}"#, admin)
            #expect(created == .ok)
            let survivor = try #require(body["member"]?["id"]?.stringValue)
            let (unknownMerged, mergedProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/members/\(survivor)/merge", #"{"mergedMemberId": "nobody"}"#, admin)
            #expect(unknownMerged == .unprocessableContent)
            #expect(mergedProblem["code"] == .string("member_not_found"))
            #expect(mergedProblem["errors"]?.arrayValue?.first?["path"] == .string("$.mergedMemberId"))
            let (unknownSurvivor, _) = try await SegmentHTTPTests.post(
                client, "/api/v1/members/nobody/merge", #"{"mergedMemberId": "\#(survivor)"}"#, admin)
            #expect(unknownSurvivor == .notFound)
            let (itself, _) = try await SegmentHTTPTests.post(
                client, "/api/v1/members/\(survivor)/merge", #"{"mergedMemberId": "\#(survivor)"}"#, admin)
            #expect(itself == .conflict)
        }
        let member = try #require(try await fixture.member("external:survivor"))
        #expect(member.status == "active")
        #expect(member.identifiers == ["external:survivor"])
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
