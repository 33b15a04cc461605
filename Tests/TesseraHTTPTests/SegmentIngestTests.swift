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
