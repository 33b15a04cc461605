import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP

@Suite("Segments API")
struct SegmentHTTPTests {
    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, _ headers: HTTPFields)
        async throws -> (HTTPResponse.Status, JSONValue)
    {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            response throws in (response.status, try HTTPTests.json(response))
        }
    }

    static func put(_ client: some TestClientProtocol, _ uri: String, _ body: String, _ headers: HTTPFields)
        async throws -> (HTTPResponse.Status, JSONValue)
    {
        try await client.execute(uri: uri, method: .put, headers: headers, body: ByteBuffer(string: body)) {
            response throws in (response.status, try HTTPTests.json(response))
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws -> JSONValue {
        try await client.execute(uri: uri, method: .get, headers: headers) { response throws in
            #expect(response.status == .ok, "\(uri)")
            return try HTTPTests.json(response)
        }
    }

    /// Validate, estimate, create, page, check; a member who starts matching enters the dynamic
    /// segment when their event is ingested (with a `segment.entered` event), the snapshot stays frozen.
    @Test func dynamicSegmentsFollowIngestAndSnapshotsStayFrozen() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            for (index, city) in ["Shanghai", "Shanghai", "Beijing"].enumerated() {
                let (status, _) = try await Self.post(
                    client, "/api/v1/members", #"{"identifiers": ["phone:1380000000\#(index)"], "city": "\#(city)"}"#,
                    admin)
                #expect(status == .ok || status == .created)
            }
            let event = { (index: Int, key: String) in
                #"{"events": [{"idempotencyKey": "\#(key)", "identifiers": ["phone:1380000000\#(index)"], "name": "view", "properties": {"page": "sale"}}]}"#
            }
            _ = try await Self.post(client, "/api/v1/events", event(0, "e0"), admin)
            _ = try await Self.post(client, "/api/v1/events", event(2, "e2"), admin)

            let rule =
                #"{"and": [{"compare": {"field": "city", "op": "=", "value": "Shanghai"}}, {"event": {"name": "view", "where": {"page": "sale"}, "window": {"lastDays": 7}}}]}"#
            // A mistake is reported at its path and nothing is stored.
            let (badStatus, problem) = try await Self.post(
                client, "/api/v1/segments/validate",
                #"{"rule": {"and": [{"compare": {"field": "city", "op": ">", "value": "x"}}]}}"#, admin)
            #expect(badStatus == .badRequest)
            #expect(problem["errors"]?.arrayValue?.first?["path"]?.stringValue == "$.rule.and[0].compare.op")
            let (validStatus, valid) = try await Self.post(
                client, "/api/v1/segments/validate", #"{"rule": \#(rule)}"#, admin)
            #expect(validStatus == .ok && valid["valid"] == .bool(true))
            let (_, estimate) = try await Self.post(client, "/api/v1/segments/estimate", #"{"rule": \#(rule)}"#, admin)
            #expect(estimate["count"] == .number(1))
            // A member base this small is always counted exactly: the interval is the count itself.
            #expect(estimate["exact"] == .bool(true) && estimate["low"] == .number(1) && estimate["high"] == .number(1))
            let (badExact, exactProblem) = try await Self.post(
                client, "/api/v1/segments/estimate", #"{"rule": \#(rule), "exact": "yes"}"#, admin)
            #expect(badExact == .badRequest)
            #expect(exactProblem["errors"]?.arrayValue?.first?["path"]?.stringValue == "$.exact")

            let (created, dynamic) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "Sale browsers", "rule": \#(rule)}"#, admin)
            #expect(created == .created)
            #expect(dynamic["memberCount"] == .number(1))
            let (_, snapshot) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "Frozen", "kind": "snapshot", "rule": \#(rule)}"#, admin)
            let (taken, _) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "Frozen", "rule": \#(rule)}"#, admin)
            #expect(taken == .conflict)
            let dynamicID = dynamic["id"]?.stringValue ?? ""
            let snapshotID = snapshot["id"]?.stringValue ?? ""

            // Member 1 (Shanghai) views the sale: the real-time path puts them in the dynamic segment.
            _ = try await Self.post(client, "/api/v1/events", event(1, "e1"), admin)
            let page = try await Self.get(client, "/api/v1/segments/\(dynamicID)/members?limit=1", admin)
            #expect(page["members"]?.arrayValue?.count == 1)
            let cursor = page["nextCursor"]?.stringValue ?? ""
            let rest = try await Self.get(
                client, "/api/v1/segments/\(dynamicID)/members?limit=1&cursor=\(cursor)", admin)
            #expect(rest["members"]?.arrayValue?.count == 1)
            let second = rest["members"]?.arrayValue?.first?.stringValue ?? ""
            let check = try await Self.get(client, "/api/v1/segments/\(dynamicID)/members/\(second)", admin)
            #expect(check["inSegment"] == .bool(true) && check["matchesNow"] == .bool(true))
            let timeline = try await Self.get(client, "/api/v1/members/\(second)/timeline", admin)
            #expect(timeline.jsonText.contains("segment.entered"))

            let frozen = try await Self.get(client, "/api/v1/segments/\(snapshotID)", admin)
            #expect(frozen["memberCount"] == .number(1))
            let (refused, reason) = try await Self.post(client, "/api/v1/segments/\(snapshotID)/refresh", "{}", admin)
            #expect(refused == .unprocessableContent)
            #expect(reason["code"]?.stringValue == "segment_is_snapshot")
            let (refreshed, changes) = try await Self.post(client, "/api/v1/segments/\(dynamicID)/refresh", "{}", admin)
            #expect(refreshed == .ok && changes["entered"] == .number(0) && changes["memberCount"] == .number(2))

            let templates = try await Self.get(client, "/api/v1/segment-templates", admin)
            #expect((templates["templates"]?.arrayValue?.count ?? 0) > 20)
            let (fromTemplate, estimated) = try await Self.post(
                client, "/api/v1/segments/estimate", #"{"template": "city", "parameters": {"city": "Beijing"}}"#, admin)
            #expect(fromTemplate == .ok && estimated["count"] == .number(1))
            let (missingParameter, missing) = try await Self.post(
                client, "/api/v1/segments/estimate", #"{"template": "city"}"#, admin)
            #expect(missingParameter == .badRequest)
            #expect(missing["errors"]?.arrayValue?.first?["path"]?.stringValue == "$.parameters.city")
            let list = try await Self.get(client, "/api/v1/segments", admin)
            #expect(list["segments"]?.arrayValue?.count == 2)
            try await client.execute(uri: "/api/v1/segments/\(snapshotID)", method: .delete, headers: admin) {
                response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/segments/\(snapshotID)", method: .get, headers: admin) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    /// Manual tags: catalogue, bulk tagging with unknown ids skipped, history, and a dynamic segment
    /// on the tag that follows each change at once.
    @Test func manualTagsDriveSegments() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            var members: [String] = []
            for index in 0..<3 {
                let (_, body) = try await Self.post(
                    client, "/api/v1/members", #"{"identifiers": ["phone:1390000000\#(index)"]}"#, admin)
                members.append(body["memberId"]?.stringValue ?? "")
            }
            let (missing, problem) = try await Self.post(
                client, "/api/v1/tags/vip/members", #"{"members": ["\#(members[0])"]}"#, admin)
            #expect(missing == .unprocessableContent && problem["code"]?.stringValue == "tag_not_found")
            let (badCategory, _) = try await Self.post(
                client, "/api/v1/tags", #"{"name": "vip", "category": "gold"}"#, admin)
            #expect(badCategory == .badRequest)
            let (created, _) = try await Self.post(
                client, "/api/v1/tags", #"{"name": "vip", "category": "membership"}"#, admin)
            #expect(created == .created)
            let (_, segment) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "VIPs", "rule": {"tag": "vip"}}"#, admin)
            #expect(segment["memberCount"] == .number(0))
            let segmentID = segment["id"]?.stringValue ?? ""

            let (_, tagged) = try await Self.post(
                client, "/api/v1/tags/vip/members", #"{"members": ["\#(members[0])", "\#(members[1])", "nobody"]}"#,
                admin)
            #expect(tagged["changed"]?.arrayValue?.count == 2)
            #expect(tagged["unchanged"] == .number(1))
            let (_, again) = try await Self.post(
                client, "/api/v1/tags/vip/members", #"{"members": ["\#(members[0])"]}"#, admin)
            #expect(again["changed"]?.arrayValue?.isEmpty == true)
            #expect(try await Self.get(client, "/api/v1/segments/\(segmentID)", admin)["memberCount"] == .number(2))

            _ = try await Self.post(
                client, "/api/v1/tags/vip/members/remove", #"{"members": ["\#(members[1])"]}"#, admin)
            #expect(try await Self.get(client, "/api/v1/segments/\(segmentID)", admin)["memberCount"] == .number(1))
            let history = try await Self.get(client, "/api/v1/members/\(members[1])/tags", admin)
            #expect(history["tags"]?.arrayValue?.isEmpty == true)
            #expect(history["history"]?.arrayValue?.map { $0["action"]?.stringValue ?? "" } == ["removed", "added"])
            let catalogue = try await Self.get(client, "/api/v1/tags", admin)
            #expect(catalogue["tags"]?.arrayValue?.first?["memberCount"] == .number(1))
            let timeline = try await Self.get(client, "/api/v1/members/\(members[1])/timeline", admin)
            #expect(timeline.jsonText.contains("segment.exited"))
        }
    }

    /// An export longer than a page streams every member exactly once, in id order, with the
    /// identifier asked for — here 12,001 members, three pages and a bit — quoted where it holds a
    /// comma or a quote (RFC 4180).
    @Test func exportsOfSeveralPagesListEveryMemberOnce() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        let (group, brand) = (fixture.credentials.groupID.rawValue, fixture.credentials.brandID.rawValue)
        let ids = (0..<12_001).map { String(format: "x%06d", $0) }
        let external = ids.indices.map { $0 == 5 ? #"e5,"x""# : "e\($0)" }
        var statements: [SQLStatement] = []
        for index in ids.indices {
            statements += [
                SQLStatement(
                    "INSERT INTO members (group_id, id, city, created_at, updated_at) VALUES (?, ?, 'Hangzhou', 0, 0)",
                    [.text(group), .text(ids[index])]),
                SQLStatement(
                    "INSERT INTO member_brands (group_id, member_id, brand_id, joined_at) VALUES (?, ?, ?, 0)",
                    [.text(group), .text(ids[index]), .text(brand)]),
                SQLStatement(
                    "INSERT INTO member_identifiers (group_id, type, value, member_id, created_at) VALUES (?, 'external', ?, ?, 0)",
                    [.text(group), .text(external[index]), .text(ids[index])]),
            ]
        }
        try await fixture.store.driver.run(ExecuteProgram(statements), writes: true)
        try await fixture.app.test(.router) { client in
            let (_, segment) = try await Self.post(
                client, "/api/v1/segments",
                #"{"name": "Hangzhou", "template": "city", "parameters": {"city": "Hangzhou"}}"#, admin)
            #expect(segment["memberCount"] == .number(12_001))
            let csv = try await client.execute(
                uri: "/api/v1/segments/\(segment["id"]?.stringValue ?? "")/export?identifierType=external",
                method: .get, headers: admin
            ) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            let expected =
                ["member_id,external"] + ids.indices.map { $0 == 5 ? #"x000005,"e5,""x""""# : "\(ids[$0]),e\($0)" }
            let lines = csv.split(separator: "\n").map(String.init)
            // Compared line by line, so that a failure names the first difference, not 12,002 lines.
            #expect(lines.count == expected.count)
            #expect(zip(lines, expected).first { $0 != $1 } == nil)
        }
    }

    /// Set operations over stored segments follow their inputs in real time; a seeded sample is
    /// reproducible; de-duplication by priority splits members; the CSV export lists identifiers.
    @Test func setOperationsSamplesDeduplicationAndExport() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            var members: [String] = []
            for index in 0..<20 {
                let city = index < 10 ? "Shanghai" : "Beijing"
                let (_, body) = try await Self.post(
                    client, "/api/v1/members",
                    #"{"identifiers": ["phone:1360000\#(String(format: "%04d", index))"], "city": "\#(city)"}"#, admin)
                members.append(body["memberId"]?.stringValue ?? "")
            }
            _ = try await Self.post(client, "/api/v1/tags", #"{"name": "vip"}"#, admin)
            let vipMembers = [members[0], members[1], members[15]].map { "\"\($0)\"" }.joined(separator: ",")
            _ = try await Self.post(client, "/api/v1/tags/vip/members", #"{"members": [\#(vipMembers)]}"#, admin)
            let (_, vip) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "VIP", "rule": {"tag": "vip"}}"#, admin)
            let (_, shanghai) = try await Self.post(
                client, "/api/v1/segments",
                #"{"name": "Shanghai", "template": "city", "parameters": {"city": "Shanghai"}}"#,
                admin)
            let (vipID, shanghaiID) = (vip["id"]?.stringValue ?? "", shanghai["id"]?.stringValue ?? "")
            let (_, outside) = try await Self.post(
                client, "/api/v1/segments",
                #"{"name": "VIP outside Shanghai", "rule": {"and": [{"segment": "\#(vipID)"}, {"not": {"segment": "\#(shanghaiID)"}}]}}"#,
                admin)
            #expect(outside["memberCount"] == .number(1))
            let (unknown, missing) = try await Self.post(
                client, "/api/v1/segments", #"{"name": "Broken", "rule": {"segment": "nope"}}"#, admin)
            #expect(unknown == .unprocessableContent && missing["code"]?.stringValue == "segment_not_found")
            // Tagging a Beijing member: VIP gains them, and the exclusion built on it follows at once.
            _ = try await Self.post(client, "/api/v1/tags/vip/members", #"{"members": ["\#(members[16])"]}"#, admin)
            let outsideID = outside["id"]?.stringValue ?? ""
            #expect(try await Self.get(client, "/api/v1/segments/\(outsideID)", admin)["memberCount"] == .number(2))
            try await client.execute(uri: "/api/v1/segments/\(vipID)", method: .delete, headers: admin) { response in
                #expect(response.status == .unprocessableContent)
            }

            // A seeded 25% sample of Shanghai: 2 of 10, the same members for the same seed.
            let sampleBody = { (name: String, seed: Int) in
                #"{"name": "\#(name)", "template": "city", "parameters": {"city": "Shanghai"}, "sample": {"percent": 25, "seed": \#(seed)}}"#
            }
            let (_, first) = try await Self.post(client, "/api/v1/segments", sampleBody("Sample A", 7), admin)
            let (_, second) = try await Self.post(client, "/api/v1/segments", sampleBody("Sample B", 7), admin)
            #expect(first["kind"]?.stringValue == "snapshot" && first["memberCount"] == .number(2))
            let firstMembers = try await Self.get(
                client, "/api/v1/segments/\(first["id"]?.stringValue ?? "")/members", admin)
            let secondMembers = try await Self.get(
                client, "/api/v1/segments/\(second["id"]?.stringValue ?? "")/members", admin)
            #expect(firstMembers["members"] == secondMembers["members"])

            // Priority: VIP first, then Shanghai — Shanghai's VIPs appear only in the first.
            let (deduplicated, split) = try await Self.post(
                client, "/api/v1/segments/deduplicate", #"{"segments": ["\#(vipID)", "\#(shanghaiID)"]}"#, admin)
            #expect(deduplicated == .created)
            #expect(split["segments"]?.arrayValue?.map { $0["memberCount"] } == [.number(4), .number(8)])

            let csv = try await client.execute(
                uri: "/api/v1/segments/\(outsideID)/export?identifierType=phone", method: .get, headers: admin
            ) { response in String(buffer: response.body) }
            let lines = csv.split(separator: "\n")
            #expect(lines.first == "member_id,phone")
            #expect(lines.count == 3)
            #expect(lines.dropFirst().allSatisfy { $0.contains(",+86136") })

            // The export imports back as the same members; an unknown phone is counted, a malformed one refused.
            // Quoted fields with commas in a second column are read as CSV, not split by hand.
            let phones = lines.dropFirst().map { #""\#($0.split(separator: ",")[1])","VIP, not in Shanghai""# }
                .joined(separator: "\n")
            let (imported, list) = try await Self.post(
                client, "/api/v1/segments/import?name=Imported", "phone,note\n\(phones)\n13900009999,\n", admin)
            #expect(imported == .created)
            #expect(list["segment"]?["memberCount"] == .number(2) && list["notFound"] == .number(1))
            let importedID = list["segment"]?["id"]?.stringValue ?? ""
            let importedMembers = try await Self.get(client, "/api/v1/segments/\(importedID)/members", admin)
            let exportedMembers = try await Self.get(client, "/api/v1/segments/\(outsideID)/members", admin)
            #expect(importedMembers["members"] == exportedMembers["members"])
            let (malformed, problem) = try await Self.post(
                client, "/api/v1/segments/import?name=Bad", "phone\n13900001111\nnot-a-phone\n", admin)
            #expect(malformed == .badRequest)
            #expect(problem.jsonText.contains("line 3"))
            #expect(
                try await Self.get(client, "/api/v1/segments", admin)["segments"]?.arrayValue?.contains {
                    $0["name"] == .string("Bad")
                } == false)

            // Only dynamic segments keep the segments they name: Shanghai is freed once the dynamic
            // exclusion is gone, though the de-duplicated snapshots still name it.
            let refused = try await client.execute(
                uri: "/api/v1/segments/\(shanghaiID)", method: .delete, headers: admin
            ) {
                $0.status
            }
            #expect(refused == .unprocessableContent)
            for id in [outsideID, shanghaiID] {
                let status = try await client.execute(uri: "/api/v1/segments/\(id)", method: .delete, headers: admin) {
                    $0.status
                }
                #expect(status == .ok)
            }
        }
    }
}
