import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP

@Suite("Scores and lifecycles API")
struct ScoreHTTPTests {
    static func put(_ client: some TestClientProtocol, _ uri: String, _ body: String, _ headers: HTTPFields)
        async throws -> (HTTPResponse.Status, JSONValue)
    {
        try await client.execute(uri: uri, method: .put, headers: headers, body: ByteBuffer(string: body)) {
            response throws in (response.status, try HTTPTests.json(response))
        }
    }

    /// Presets installed by name; a member's events raise their engagement score on ingest and move
    /// them through the AIPL stages (announced as `lifecycle.changed`); a segment on the score
    /// follows; a bad definition is refused at its path and changes nothing.
    @Test func scoresAndStagesFollowIngest() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            let (scoreStatus, score) = try await Self.put(
                client, "/api/v1/scores/engagement", #"{"preset": "engagement"}"#, admin)
            #expect(scoreStatus == .created && score["created"] == .bool(true))
            let (lifecycleStatus, _) = try await Self.put(
                client, "/api/v1/lifecycles/aipl", #"{"preset": "aipl"}"#, admin)
            #expect(lifecycleStatus == .created)
            let (_, member) = try await SegmentHTTPTests.post(
                client, "/api/v1/members", #"{"identifiers": ["phone:13900000001"]}"#, admin)
            let id = member["memberId"]?.stringValue ?? ""
            let (_, segment) = try await SegmentHTTPTests.post(
                client, "/api/v1/segments",
                #"{"name": "Engaged", "rule": {"score": {"name": "engagement", "op": ">=", "value": 20}}}"#, admin)
            #expect(segment["memberCount"] == .number(0))

            let events = (0..<5).map { index in
                #"{"idempotencyKey": "a\#(index)", "identifiers": ["phone:13900000001"], "name": "Product Added"}"#
            }
            _ = try await SegmentHTTPTests.post(
                client, "/api/v1/events", #"{"events": [\#(events.joined(separator: ","))]}"#, admin)
            // 5 × 5 points (cap 30): interest.
            let scores = try await SegmentHTTPTests.get(client, "/api/v1/members/\(id)/scores", admin)
            #expect(scores["scores"]?["engagement"] == .number(25))
            #expect(scores["stages"]?["aipl"] == .string("interest"))
            let members = try await SegmentHTTPTests.get(
                client, "/api/v1/segments/\(segment["id"]?.stringValue ?? "")/members", admin)
            #expect(members["members"] == .array([.string(id)]))
            let timeline = try await SegmentHTTPTests.get(client, "/api/v1/members/\(id)/timeline", admin)
            #expect(timeline.jsonText.contains("lifecycle.changed"))

            let catalogue = try await SegmentHTTPTests.get(client, "/api/v1/scores", admin)
            #expect(catalogue["scores"]?.arrayValue?.first?["members"] == .number(1))
            let stages = catalogue["lifecycles"]?.arrayValue?.first?["stages"]?.arrayValue ?? []
            #expect(stages.contains(.object(["name": .string("interest"), "members": .number(1)])))

            // A mistake names its path; the stored definition is unchanged.
            let (badStatus, problem) = try await Self.put(
                client, "/api/v1/scores/engagement",
                #"{"rules": [{"event": {"name": "x"}, "points": 1, "decay": {"everyDays": 0, "percent": 5}}]}"#, admin)
            #expect(badStatus == .badRequest)
            #expect(problem["errors"]?.arrayValue?.first?["path"]?.stringValue == "$.rules[0].decay.everyDays")
            let again = try await SegmentHTTPTests.get(client, "/api/v1/scores", admin)
            #expect(again["scores"] == catalogue["scores"])
            let (unknownPreset, _) = try await Self.put(
                client, "/api/v1/lifecycles/x", #"{"preset": "nope"}"#, admin)
            #expect(unknownPreset == .badRequest)

            try await client.execute(uri: "/api/v1/scores/engagement", method: .delete, headers: admin) {
                #expect($0.status == .noContent)
            }
            let after = try await SegmentHTTPTests.get(client, "/api/v1/members/\(id)/scores", admin)
            #expect(after["scores"] == .object([:]))

            // RFM: window and schedule, checked strictly.
            let (saved, settings) = try await Self.put(
                client, "/api/v1/rfm/settings", #"{"windowDays": 365, "scheduled": true}"#, admin)
            #expect(saved == .ok && settings == .object(["windowDays": .number(365), "scheduled": .bool(true)]))
            let (fraction, fault) = try await Self.put(client, "/api/v1/rfm/settings", #"{"windowDays": 1.5}"#, admin)
            #expect(fraction == .badRequest)
            #expect(fault["errors"]?.arrayValue?.first?["path"]?.stringValue == "$.windowDays")
            #expect(try await SegmentHTTPTests.get(client, "/api/v1/rfm/settings", admin) == settings)
        }
    }
}
