import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TesseraChannels
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraWorkers

/// Journey messages to a configured webhook reach a real HTTP receiver on loopback: signed, with a
/// stable idempotency key, retried after a 5xx and failed for good (`provider_error`) after a 4xx.
@Suite("Webhook channel")
struct WebhookDeliveryTests {
    /// What the receiver saw: (path, signature header, idempotency key, body).
    final class Received: Sendable {
        let requests = Mutex<[(path: String, signature: String, key: String, body: Data)]>([])
        /// Statuses to answer on /flaky, in order (then 200).
        let flaky = Mutex<[Int]>([500])
    }

    static func receiver(_ received: Received) -> Application<RouterResponder<BasicRequestContext>> {
        let router = Router()
        for path in ["flaky", "gone", "slow"] {
            router.post(RouterPath(stringLiteral: path)) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                received.requests.withLock {
                    $0.append(
                        (
                            path, request.headers[HTTPField.Name("Tessera-Signature")!] ?? "",
                            request.headers[HTTPField.Name("Idempotency-Key")!] ?? "", Data(body.readableBytesView)
                        ))
                }
                let status: Int
                switch path {
                case "gone": status = 400
                case "slow":
                    // A provider that takes its time to accept a message.
                    try await Task.sleep(for: .milliseconds(300))
                    status = 200
                default: status = received.flaky.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
                }
                return Response(status: HTTPResponse.Status(code: status))
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Graceful shutdown lets a delivery under way finish and be recorded: a webhook the receiver
    /// accepted is delivered once, not cancelled half-way and sent again after the server restarts.
    @Test func aShutdownFinishesTheDeliveryUnderWay() async throws {
        let received = Received()
        try await Self.receiver(received).test(.live) { receiver in
            let port = try #require(receiver.port)
            let fixture = try await HTTPTests.fixture()
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            try await fixture.app.test(.router) { client in
                try await client.execute(
                    uri: "/api/v1/channels/crm", method: .put, headers: admin,
                    body: ByteBuffer(
                        string:
                            #"{"kind": "webhook", "url": "http://127.0.0.1:\#(port)/slow", "secret": "a-shared-secret-of-some-length"}"#
                    )
                ) { #expect($0.status == .ok) }
                try await client.execute(
                    uri: "/api/v1/message-templates/hello", method: .put, headers: admin,
                    body: ByteBuffer(string: #"{"subject": "Hi", "body": "Hello"}"#)
                ) { #expect($0.status == .ok) }
                let journey = """
                    {"entry": {"event": {"name": "follow"}}, "start": "crm",
                     "nodes": {"crm": {"send": {"channel": "crm", "template": "hello", "next": "end"}}, "end": {"exit": {}}}}
                    """
                try await client.execute(
                    uri: "/api/v1/journeys/slow", method: .put, headers: admin, body: ByteBuffer(string: journey)
                ) { #expect($0.status == .created) }
                #expect(try await SegmentHTTPTests.post(client, "/api/v1/journeys/slow/publish", "", admin).0 == .ok)
                let (accepted, _) = try await SegmentHTTPTests.post(
                    client, "/api/v1/events",
                    #"{"events": [{"idempotencyKey": "s1", "identifiers": ["phone:13900000011"], "name": "follow"}]}"#,
                    admin)
                #expect(accepted == .ok)
            }
            #expect(try await fixture.journeys.runDue(at: Date(), group: fixture.credentials.groupID) == 1)
            let dispatcher = OutboxDispatcher(store: fixture.store, logger: Logger(label: "test.outbox"))
            try await testGracefulShutdown { trigger in
                async let running: Void = dispatcher.run()
                // Shut down while the receiver holds the request.
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while received.requests.withLock({ $0.isEmpty }), clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                trigger.triggerGracefulShutdown()
                try await running
            }
            #expect(received.requests.withLock { $0.count } == 1)
            let journey = try #require(
                try await fixture.store.journey(
                    group: fixture.credentials.groupID, brand: fixture.credentials.brandID, named: "slow"))
            let statistics = try await fixture.store.journeyStatistics(
                group: fixture.credentials.groupID, journeyID: journey.id)
            #expect(statistics.messages["crm"] == ["delivered": 1], "recorded as \(statistics.messages)")
        }
    }

    @Test func signedRetriedAndDeadLettered() async throws {
        let received = Received()
        let secret = "a-shared-secret-of-some-length"
        try await Self.receiver(received).test(.live) { receiver in
            let port = try #require(receiver.port)
            let fixture = try await HTTPTests.fixture()
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            try await fixture.app.test(.router) { client in
                for (name, path) in [("crm", "flaky"), ("legacy", "gone")] {
                    try await client.execute(
                        uri: "/api/v1/channels/\(name)", method: .put, headers: admin,
                        body: ByteBuffer(
                            string:
                                #"{"kind": "webhook", "url": "http://127.0.0.1:\#(port)/\#(path)", "secret": "\#(secret)"}"#
                        )
                    ) { #expect($0.status == .ok) }
                }
                try await client.execute(
                    uri: "/api/v1/channels/short", method: .put, headers: admin,
                    body: ByteBuffer(string: #"{"kind": "webhook", "url": "http://127.0.0.1:1/x", "secret": "short"}"#)
                ) { #expect($0.status == .badRequest) }
                let listed = try await SegmentHTTPTests.get(client, "/api/v1/channels", admin)
                #expect(!listed.jsonText.contains(secret))
                try await client.execute(
                    uri: "/api/v1/message-templates/hello", method: .put, headers: admin,
                    body: ByteBuffer(string: #"{"subject": "Hi", "body": "Hello from {{brand}}"}"#)
                ) { #expect($0.status == .ok) }
                let journey = """
                    {"entry": {"event": {"name": "follow"}}, "start": "crm",
                     "nodes": {"crm": {"send": {"channel": "crm", "template": "hello", "next": "legacy"}},
                               "legacy": {"send": {"channel": "legacy", "template": "hello", "next": "end"}},
                               "end": {"exit": {}}}}
                    """
                try await client.execute(
                    uri: "/api/v1/journeys/hooks", method: .put, headers: admin, body: ByteBuffer(string: journey)
                ) { #expect($0.status == .created) }
                let (published, _) = try await SegmentHTTPTests.post(
                    client, "/api/v1/journeys/hooks/publish", "", admin)
                #expect(published == .ok)
                let (accepted, _) = try await SegmentHTTPTests.post(
                    client, "/api/v1/events",
                    #"{"events": [{"idempotencyKey": "f1", "identifiers": ["phone:13900000010"], "name": "follow"}]}"#,
                    admin)
                #expect(accepted == .ok)
            }
            let now = Date()
            #expect(try await fixture.journeys.runDue(at: now, group: fixture.credentials.groupID) == 1)
            let dispatcher = OutboxDispatcher(
                store: fixture.store, logger: Logger(label: "test.outbox"), maximumAttempts: 3, baseDelay: 60)
            #expect(await dispatcher.pass(at: now) == 2)  // crm answers 500, legacy 400
            #expect(await dispatcher.pass(at: now.addingTimeInterval(30)) == 0)  // crm's retry is not due
            #expect(await dispatcher.pass(at: now.addingTimeInterval(61)) == 1)  // crm answers 200

            let requests = received.requests.withLock { $0 }
            let crm = requests.filter { $0.path == "flaky" }
            #expect(crm.count == 2 && Set(crm.map(\.key)).count == 1)
            for request in requests {
                #expect(WebhookSignature.verify(request.signature, secret: secret, body: request.body, now: Date()))
                #expect(
                    !WebhookSignature.verify(
                        request.signature, secret: "another-secret-entirely", body: request.body, now: Date()))
            }
            let payload = try JSONValue.parse(String(decoding: crm[1].body, as: UTF8.self))
            #expect(payload["body"] == .string("Hello from \(fixture.credentials.brandID.rawValue)"))
            #expect(payload["subject"] == .string("Hi") && payload["id"] == .string(crm[1].key))

            // A test send reaches the receiver now, marked as a test, and counts nowhere.
            let member = try #require(try await fixture.member("phone:13900000010"))
            try await fixture.app.test(.router) { client in
                let (status, answer) = try await SegmentHTTPTests.post(
                    client, "/api/v1/journeys/hooks/test", #"{"node": "crm", "memberIds": ["\#(member.id.rawValue)"]}"#,
                    admin)
                #expect(status == .ok)
                #expect(answer["sent"]?.arrayValue?.first?["outcome"] == .string("delivered"))
                let (bad, problem) = try await SegmentHTTPTests.post(
                    client, "/api/v1/journeys/hooks/test", #"{"node": "end", "memberIds": ["x"]}"#, admin)
                #expect(bad == .badRequest && problem["errors"]?.arrayValue?.first?["path"] == .string("$.node"))
            }
            let tests = received.requests.withLock { $0 }.filter { $0.key.hasPrefix("test:") }
            #expect(tests.count == 1)

            let journey = try #require(
                try await fixture.store.journey(
                    group: fixture.credentials.groupID, brand: fixture.credentials.brandID, named: "hooks"))
            let statistics = try await fixture.store.journeyStatistics(
                group: fixture.credentials.groupID, journeyID: journey.id)
            #expect(statistics.messages["crm"] == ["delivered": 1])
            #expect(statistics.messages["legacy"] == ["failed": 1])
            let failed = try await fixture.store.journeyMessages(
                group: fixture.credentials.groupID, journeyID: journey.id, status: "failed", reason: "provider_error",
                limit: 10)
            #expect(failed.map(\.node) == ["legacy"])
        }
    }
}
