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

    /// A rule tag on a score and a behaviour tag from an event property follow ingest, cannot be set
    /// by hand, and leave with their definition; a manual tag is imported from a CSV of phones.
    @Test func computedTagsFollowIngestAndManualTagsImportFromCSV() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            _ = try await Self.put(client, "/api/v1/scores/engagement", #"{"preset": "engagement"}"#, admin)
            var ids: [String] = []
            for phone in ["13900000001", "13900000002"] {
                let (_, member) = try await SegmentHTTPTests.post(
                    client, "/api/v1/members", #"{"identifiers": ["phone:\#(phone)"]}"#, admin)
                ids.append(member["memberId"]?.stringValue ?? "")
            }
            let (ruleStatus, rule) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags",
                #"{"name": "engaged", "kind": "rule", "category": "interaction", "rule": {"score": {"name": "engagement", "op": ">=", "value": 10}}}"#,
                admin)
            #expect(ruleStatus == .created && rule["memberCount"] == .number(0))
            let (behaviourStatus, _) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags",
                #"{"name": "interests", "kind": "behaviour", "behaviour": {"event": {"name": "Product Viewed"}, "property": "category", "prefix": "likes:"}}"#,
                admin)
            #expect(behaviourStatus == .created)
            for (body, path) in [
                (#"{"name": "t1", "kind": "rule", "rule": {"tag": "vip"}}"#, "$.rule"),
                (#"{"name": "t2", "kind": "manual", "rule": {"and": []}}"#, "$.rule"),
                (
                    #"{"name": "t3", "kind": "behaviour", "behaviour": {"event": {"name": "x"}}}"#,
                    "$.behaviour.property"
                ),
            ] {
                let (status, problem) = try await SegmentHTTPTests.post(client, "/api/v1/tags", body, admin)
                #expect(status == .badRequest)
                #expect(problem["errors"]?.arrayValue?.first?["path"]?.stringValue == path, "\(body)")
            }

            let events =
                (0..<3).map {
                    #"{"idempotencyKey": "a\#($0)", "identifiers": ["phone:13900000001"], "name": "Product Added"}"#
                } + [
                    #"{"idempotencyKey": "v", "identifiers": ["phone:13900000001"], "name": "Product Viewed", "properties": {"category": "skincare"}}"#
                ]
            _ = try await SegmentHTTPTests.post(
                client, "/api/v1/events", #"{"events": [\#(events.joined(separator: ","))]}"#, admin)
            let tags = try await SegmentHTTPTests.get(client, "/api/v1/members/\(ids[0])/tags", admin)
            let sources = Dictionary(
                (tags["tags"]?.arrayValue ?? []).map {
                    ($0["tag"]?.stringValue ?? "", $0["source"]?.stringValue ?? "")
                },
                uniquingKeysWith: { first, _ in first })
            #expect(sources == ["engaged": "rule", "likes:skincare": "behaviour"])
            let (computed, refusal) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags/engaged/members", #"{"members": ["\#(ids[1])"]}"#, admin)
            #expect(computed == .unprocessableContent)
            #expect(refusal.jsonText.contains("tag_is_computed"))

            // CSV import of a manual tag: a bad value refuses the list at its line; unknown phones are counted.
            _ = try await SegmentHTTPTests.post(client, "/api/v1/tags", #"{"name": "vip"}"#, admin)
            let (bad, badProblem) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags/vip/import", "phone\n13900000002\nnot-a-phone\n", admin)
            #expect(bad == .badRequest)
            #expect(badProblem.jsonText.contains("line 3"))
            let (imported, answer) = try await SegmentHTTPTests.post(
                client, "/api/v1/tags/vip/import", "phone\n13900000002\n13900000009\n13900000002\n", admin)
            #expect(imported == .ok)
            #expect(answer == .object(["rows": .number(3), "tagged": .number(1), "notFound": .number(1)]))
            let catalogue = try await SegmentHTTPTests.get(client, "/api/v1/tags", admin)
            let counts = Dictionary(
                (catalogue["tags"]?.arrayValue ?? []).map {
                    ($0["name"]?.stringValue ?? "", $0["memberCount"]?.stringValue ?? "")
                }, uniquingKeysWith: { first, _ in first })
            #expect(counts == ["engaged": "1", "interests": "1", "vip": "1"])

            try await client.execute(uri: "/api/v1/tags/interests", method: .delete, headers: admin) {
                #expect($0.status == .noContent)
            }
            let after = try await SegmentHTTPTests.get(client, "/api/v1/members/\(ids[0])/tags", admin)
            #expect(after["tags"]?.arrayValue?.map { $0["tag"]?.stringValue ?? "" } == ["engaged"])
            #expect(after["history"]?.jsonText.contains("catalogue") == true)
        }
    }
}
