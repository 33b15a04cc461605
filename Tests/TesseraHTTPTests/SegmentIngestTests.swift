import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraWorkers

/// The Segment-compatible endpoints queue into the ingest log; the projector writes members.
@Suite("Segment ingest through the log")
struct SegmentIngestTests {
    @Test func replaysAreQueuedButHaveNoSecondEffect() async throws {
        let fixture = try await HTTPTests.fixture()
        let auth: HTTPFields = [.authorization: HTTPTests.basic(fixture.credentials.writeKey)]
        let body = #"{"batch":[{"type":"track","messageId":"r1","userId":"replay","event":"Coupon Applied"}]}"#
        try await fixture.app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: ByteBuffer(string: body))
                {
                    response in
                    #expect(response.status == .ok)
                    let answer = try HTTPTests.json(response)
                    #expect(answer["queued"] == .number(1))
                    #expect(answer["results"] == nil)
                }
            }
        }
        #expect(try await fixture.projector.drain() == 2)
        let member = try #require(try await fixture.member("external:replay"))
        #expect(member.aggregates.eventCount == 1)
    }

    /// Once a group's accepted messages have waited longer than the limit for projection, its Segment
    /// requests are refused with 429 and `Retry-After`, and nothing more is queued; once the projector
    /// has caught up, they are accepted again.
    @Test func aBacklogOlderThanTheLimitRefusesNewRequestsUntilProjected() async throws {
        let fixture = try await HTTPTests.fixture(maximumLag: 1)
        let auth: HTTPFields = [.authorization: HTTPTests.basic(fixture.credentials.writeKey)]
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        @Sendable func batch(_ id: String) -> ByteBuffer {
            ByteBuffer(string: #"{"batch":[{"type":"track","messageId":"\#(id)","userId":"slow","event":"Viewed"}]}"#)
        }
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: batch("b1")) {
                #expect($0.status == .ok)
            }
            let single = ByteBuffer(string: #"{"messageId":"b2","userId":"slow","event":"Viewed"}"#)
            try await client.execute(uri: "/v1/track", method: .post, headers: auth, body: single) {
                #expect($0.status == .ok, "a waiting message younger than the limit holds nothing back")
            }
            try await Task.sleep(for: .milliseconds(1_200))
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: batch("b3")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "5")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try HTTPTests.json(response)
                #expect(problem["code"] == .string("ingest_backlog"))
            }
            let status = try await SegmentHTTPTests.get(client, "/api/v1/ingest/status", admin)
            #expect(status["refusing"] == .bool(true) && status["maximumLagSeconds"] == .number(1))
            #expect(status["pendingEntries"] == .number(2))
        }
        let waiting = try await fixture.log.status(group: fixture.credentials.groupID, now: Date())
        #expect(waiting.pendingEntries == 2, "the refused request queued nothing")
        #expect(try await fixture.projector.drain() == 2)
        try await fixture.app.test(.router) { client in
            let status = try await SegmentHTTPTests.get(client, "/api/v1/ingest/status", admin)
            #expect(status["refusing"] == .bool(false) && status["pendingEntries"] == .number(0))
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: batch("b3")) {
                #expect($0.status == .ok)
            }
        }
        #expect(try await fixture.projector.drain() == 1)
    }

    /// `Product Added` / `Product Removed` with Segment's decimal prices build the cart, `follow`
    /// sets the follow status, both shown by `/api/v1/members/{id}/relationship`; a malformed line
    /// rejects its message at the field.
    @Test func cartEventsAndFollowsBuildTheRelationship() async throws {
        let fixture = try await HTTPTests.fixture()
        let auth: HTTPFields = [.authorization: HTTPTests.basic(fixture.credentials.writeKey)]
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        let messages = [
            #"{"type":"track","messageId":"c1","userId":"shopper","event":"Product Added","timestamp":"2026-11-01T10:00:00Z","properties":{"product_id":"p-1","sku":"SERUM-30","name":"Serum","category":"skincare","price":"199.90","quantity":2}}"#,
            #"{"type":"track","messageId":"c2","userId":"shopper","event":"Product Added","timestamp":"2026-11-01T10:01:00Z","properties":{"sku":"MASK","price":35,"currency":"cny"}}"#,
            #"{"type":"track","messageId":"c3","userId":"shopper","event":"Product Removed","timestamp":"2026-11-01T10:02:00Z","properties":{"sku":"MASK","price":35}}"#,
            #"{"type":"track","messageId":"c4","userId":"shopper","event":"follow","timestamp":"2026-11-01T09:00:00Z"}"#,
        ]
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"batch":[\#(messages.joined(separator: ","))]}"#)
            ) { #expect($0.status == .ok) }
            let bad =
                #"{"batch":[{"type":"track","userId":"shopper","event":"Product Added","properties":{"sku":"X","price":"1.999"}}]}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: ByteBuffer(string: bad)) {
                response in
                #expect(response.status == .badRequest)
                let problem = try HTTPTests.json(response)
                #expect(problem["errors"]?.arrayValue?.first?["path"] == .string("$.batch[0].properties.price"))
            }
        }
        _ = try await fixture.projector.drain()
        let member = try #require(try await fixture.member("external:shopper"))
        try await fixture.app.test(.router) { client in
            let answer = try await SegmentHTTPTests.get(client, "/api/v1/members/\(member.id)/relationship", admin)
            #expect(answer["follow"]?["status"] == .string("following"))
            #expect(answer["cart"]?["quantity"] == .number(2) && answer["cart"]?["valueMinor"] == .number(39_980))
            let line = answer["cart"]?["items"]?.arrayValue?.first
            #expect(answer["cart"]?["items"]?.arrayValue?.count == 1)
            #expect(line?["sku"] == .string("SERUM-30") && line?["unitPriceMinor"] == .number(19_990))
            #expect(line?["productId"] == .string("p-1") && line?["name"] == .string("Serum"))
        }
    }

    @Test func singleMessageEndpointsAndARestartedProjectorDeliverEverything() async throws {
        let fixture = try await HTTPTests.fixture()
        let auth: HTTPFields = [.authorization: HTTPTests.basic(fixture.credentials.writeKey)]
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/v1/identify", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"userId":"solo","traits":{"email":"Solo@Example.com"}}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/v1/track", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"messageId":"t1","userId":"solo","event":"Product Viewed"}"#)
            ) { #expect($0.status == .ok) }
        }
        // A projector took the first entry, wrote its message (which has no messageId) and died
        // before completing the entry.
        let abandoned = try await fixture.log.lease(
            maximumMessages: 1, now: Date().addingTimeInterval(-2 * IngestLog.leaseDuration))
        #expect(abandoned.count == 1)
        let ingest = IngestService(store: fixture.store)
        try await ingest.write(
            try TesseraServer.decode(abandoned[0]).compactMap { try? $0.get() }, group: fixture.credentials.groupID,
            receivedAt: abandoned[0].receivedAt)
        // A new process's projector (a fresh instance) delivers both once the lease has run out.
        let restarted = IngestProjector(
            log: fixture.log, ingest: IngestService(store: fixture.store), decode: TesseraServer.decode,
            logger: Logger(label: "test.restarted"))
        #expect(try await restarted.drain() == 2)
        let member = try #require(try await fixture.member("email:solo@example.com"))
        #expect(member.identifiers.contains("external:solo"))
        #expect(member.aggregates.eventCount == 2, "the identify was projected twice but stored once")
        #expect(try await fixture.log.status(group: fixture.credentials.groupID, now: Date()).pendingEntries == 0)
    }

    @Test func anUnreadableEntryIsKeptAndReportedNotDropped() async throws {
        let fixture = try await HTTPTests.fixture()
        let group = fixture.credentials.groupID
        try await fixture.log.append(
            IngestLogEntry(
                groupID: group, brandID: fixture.credentials.brandID, source: "segment", receivedAt: Date(),
                body: "{not json", messageCount: 1))
        await #expect(throws: (any Error).self) { try await fixture.projector.drain() }
        let status = try await fixture.log.status(group: group, now: Date())
        #expect(status.pendingEntries == 1, "kept for a retry, not deleted")
        #expect(status.lastError?.isEmpty == false)
    }
}
