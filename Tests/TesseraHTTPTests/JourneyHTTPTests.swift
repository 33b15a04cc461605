import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP

@Suite("Journeys API")
struct JourneyHTTPTests {
    static let welcome = """
        {"entry": {"event": {"name": "follow"}}, "start": "hello",
         "nodes": {"hello": {"send": {"channel": "log", "template": "welcome", "next": "mark"}},
                   "mark": {"tag": {"name": "welcomed", "next": "later"}},
                   "later": {"wait": {"minutes": 60, "next": "story"}},
                   "story": {"send": {"channel": "log", "template": "brand_story", "next": "end"}},
                   "end": {"exit": {}}}}
        """

    /// A draft is saved, refused with the fault's path while wrong, published, and runs: a follow
    /// ingested through the API enters the member, the worker sends and tags, and an hour later sends
    /// again; statistics show it; pause and stop follow their rules.
    @Test func draftPublishRunAndReport() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        let group = fixture.credentials.groupID
        try await fixture.app.test(.router) { client in
            let (noTemplate, templateProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/validate", Self.welcome, admin)
            #expect(noTemplate == .badRequest)
            #expect(templateProblem["errors"]?.arrayValue?.first?["path"] == .string("$.nodes.hello.send.template"))
            for (name, body) in [
                (
                    "welcome",
                    #"{"body": "Welcome {{#member.name}}{{member.name}}{{/member.name}}{{^member.name}}friend{{/member.name}} & enjoy"}"#
                ),
                ("brand_story", #"{"subject": "Our story", "body": "{{brand}} since 1990"}"#),
            ] {
                try await client.execute(
                    uri: "/api/v1/message-templates/\(name)", method: .put, headers: admin,
                    body: ByteBuffer(string: body)
                ) { #expect($0.status == .ok) }
            }
            try await client.execute(
                uri: "/api/v1/message-templates/broken", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"body": "{{#member}}unclosed"}"#)
            ) { response throws in
                #expect(response.status == .badRequest)
                let problem = try HTTPTests.json(response)
                #expect(problem["errors"]?.arrayValue?.first?["path"] == .string("$.body"))
            }
            let (missingTag, problem) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/validate", Self.welcome, admin)
            #expect(missingTag == .badRequest)
            #expect(problem["errors"]?.arrayValue?.first?["path"] == .string("$.nodes.mark.tag.name"))
            let (tagged, _) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags", #"{"name": "welcomed", "category": "interaction", "kind": "process"}"#, admin)
            #expect(tagged == .created)
            let wrongChannel = Self.welcome.replacingOccurrences(
                of: #""channel": "log", "template": "welcome""#, with: #""channel": "fax", "template": "welcome""#)
            let (badChannel, channelProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/validate", wrongChannel, admin)
            #expect(badChannel == .badRequest)
            #expect(channelProblem["errors"]?.arrayValue?.first?["path"] == .string("$.nodes.hello.send.channel"))
            let (valid, answer) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/validate", Self.welcome, admin)
            #expect(valid == .ok && answer["nodes"] == .number(5))

            let created = try await client.execute(
                uri: "/api/v1/journeys/welcome", method: .put, headers: admin, body: ByteBuffer(string: Self.welcome)
            ) { response throws in
                #expect(response.status == .created)
                return try HTTPTests.json(response)
            }
            #expect(created["status"] == .string("draft"))
            let (published, record) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/welcome/publish", "", admin)
            #expect(published == .ok && record["version"] == .number(1) && record["status"] == .string("published"))

            let (accepted, _) = try await SegmentHTTPTests.post(
                client, "/api/v1/events",
                #"{"events": [{"idempotencyKey": "f1", "identifiers": ["phone:13900000009"], "name": "follow"}]}"#,
                admin)
            #expect(accepted == .ok)
        }
        let now = Date()
        #expect(try await fixture.journeys.runDue(at: now.addingTimeInterval(1), group: group) == 1)
        #expect(try await fixture.journeys.runDue(at: now.addingTimeInterval(59 * 60), group: group) == 0)
        #expect(try await fixture.journeys.runDue(at: now.addingTimeInterval(61 * 60), group: group) == 1)
        try await fixture.app.test(.router) { client in
            let list = try await SegmentHTTPTests.get(client, "/api/v1/journeys", admin)
            #expect(list["journeys"]?.arrayValue?.count == 1)
            let statistics = try await SegmentHTTPTests.get(client, "/api/v1/journeys/welcome/statistics", admin)
            #expect(statistics["runs"] == .object(["exited": .number(1)]))
            #expect(statistics["messages"]?["hello"] == .object(["delivered": .number(1)]))
            #expect(statistics["messages"]?["story"] == .object(["delivered": .number(1)]))
            let member = try #require(try await fixture.member("phone:13900000009"))
            let messages = try await SegmentHTTPTests.get(
                client, "/api/v1/journeys/welcome/messages?status=delivered", admin)
            let bodies = (messages["messages"]?.arrayValue ?? []).compactMap { $0["body"]?.stringValue }
            #expect(Set(bodies) == ["Welcome friend & enjoy", "\(fixture.credentials.brandID.rawValue) since 1990"])
            let (previewed, preview) = try await SegmentHTTPTests.post(
                client, "/api/v1/message-templates/welcome/preview", #"{"memberId": "\#(member.id.rawValue)"}"#, admin)
            #expect(previewed == .ok && preview["body"] == .string("Welcome friend & enjoy"))
            let tags = try await SegmentHTTPTests.get(client, "/api/v1/members/\(member.id)/tags", admin)
            #expect(tags.jsonText.contains("welcomed"))

            let report = try await SegmentHTTPTests.get(client, "/api/v1/journeys/welcome/report?windowDays=14", admin)
            #expect(
                report["covered"] == .number(1) && report["notified"] == .number(1) && report["orders"] == .number(0))
            try await client.execute(uri: "/api/v1/journeys/welcome/report?windowDays=0", method: .get, headers: admin)
            {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/journeys/welcome/report?model=first", method: .get, headers: admin) {
                #expect($0.status == .badRequest)
            }
            let compared = try await SegmentHTTPTests.get(
                client, "/api/v1/journey-reports?names=welcome&windowDays=14&model=click", admin)
            #expect(compared["journeys"]?.arrayValue?.first?["report"]?["model"] == .string("click"))
            try await client.execute(uri: "/api/v1/journey-reports?names=welcome,nope", method: .get, headers: admin) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/guide-tasks?limit=1001", method: .get, headers: admin) {
                #expect($0.status == .badRequest)
            }
            let tasks = try await SegmentHTTPTests.get(client, "/api/v1/guide-tasks?status=open", admin)
            #expect(tasks["tasks"] == .array([]))
            try await client.execute(uri: "/api/v1/guide-tasks?status=late", method: .get, headers: admin) {
                #expect($0.status == .badRequest)
            }
            let (missing, _) = try await SegmentHTTPTests.post(client, "/api/v1/guide-tasks/nope/complete", "", admin)
            #expect(missing == .notFound)
            // Tracked links need no key; an unknown one is a 404, never a redirect.
            try await client.execute(uri: "/r/0123456789abcdef01234567", method: .get) {
                #expect($0.status == .notFound && $0.headers[.location] == nil)
            }
            let (paused, _) = try await SegmentHTTPTests.post(client, "/api/v1/journeys/welcome/pause", "", admin)
            #expect(paused == .ok)
            let (pausedAgain, _) = try await SegmentHTTPTests.post(client, "/api/v1/journeys/welcome/pause", "", admin)
            #expect(pausedAgain.code == 422)
            let (resumed, record) = try await SegmentHTTPTests.post(
                client, "/api/v1/journeys/welcome/resume", "", admin)
            #expect(resumed == .ok && record["status"] == .string("published"))
            let (stopped, _) = try await SegmentHTTPTests.post(client, "/api/v1/journeys/welcome/stop", "", admin)
            #expect(stopped == .ok)
            let one = try await SegmentHTTPTests.get(client, "/api/v1/journeys/welcome", admin)
            #expect(one["status"] == .string("stopped"))
        }
    }
}
