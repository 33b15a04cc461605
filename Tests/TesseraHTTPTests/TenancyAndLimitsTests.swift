import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraWorkers

@Suite("Tenancy administration and limits")
struct TenancyAndLimitsTests {
    @Test func adminCreatesBrandsStoresStaffAndKeys() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/brands", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"code":"casarte","name":"Casarte"}"#)
            ) { response throws in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: "/api/v1/brands", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"code":"casarte","name":"Again"}"#)
            ) { response throws in
                #expect(response.status == .conflict)
            }
            try await client.execute(
                uri: "/api/v1/stores", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"code":"SH-01","name":"Shanghai IFC","city":"Shanghai","brand":"casarte"}"#)
            ) { response throws in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: "/api/v1/staff", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"code":"G1","name":"Guide One","store":"SH-01"}"#)
            ) { response throws in
                #expect(response.status == .created)
                #expect(try HTTPTests.json(response)["role"] == .string("guide"))
            }
            try await client.execute(
                uri: "/api/v1/staff", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"code":"G2","name":"Nobody","store":"NOPE"}"#)
            ) { response throws in
                #expect(response.status == .unprocessableContent)
                #expect(try HTTPTests.json(response)["code"] == .string("store_not_found"))
                #expect(try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"] == .string("$.store"))
            }
            var readKey = ""
            try await client.execute(
                uri: "/api/v1/keys", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"scopes":["read"],"brand":"casarte"}"#)
            ) { response throws in
                #expect(response.status == .created)
                readKey = try HTTPTests.json(response)["key"]?.stringValue ?? ""
            }
            try await client.execute(
                uri: "/api/v1/stores", method: .get, headers: [.authorization: "Bearer \(readKey)"]
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try HTTPTests.json(response)["stores"]?.arrayValue?.count == 1)
            }
            try await client.execute(
                uri: "/api/v1/brands", method: .post, headers: [.authorization: "Bearer \(readKey)"],
                body: ByteBuffer(string: #"{"code":"x","name":"x"}"#)
            ) { response throws in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func oversizedBodiesAndBatchesAreRefusedWithProblems() async throws {
        let fixture = try await HTTPTests.fixture()
        let auth: HTTPFields = [.authorization: HTTPTests.basic(fixture.credentials.writeKey)]
        try await fixture.app.test(.router) { client in
            let big =
                #"{"batch":[{"type":"track","userId":"u","event":""# + String(repeating: "x", count: 5 * 1024 * 1024)
                + #""}]}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: ByteBuffer(string: big)) {
                response throws in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let many =
                #"{"batch":["#
                + Array(repeating: #"{"type":"track","userId":"u","event":"e"}"#, count: 1_001).joined(separator: ",")
                + "]}"
            try await client.execute(uri: "/v1/batch", method: .post, headers: auth, body: ByteBuffer(string: many)) {
                response throws in
                #expect(response.status == .contentTooLarge)
                #expect(try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"] == .string("$.batch"))
            }
            try await client.execute(
                uri: "/v1/batch", method: .post, headers: auth, body: ByteBuffer(string: "{not json")
            ) { response throws in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await fixture.store.member(group: fixture.credentials.groupID, id: MemberID("u")) == nil)
    }

    @Test func aKeyNeverSeesAnotherGroupsMembers() async throws {
        let fixture = try await HTTPTests.fixture()
        let other = try await Bootstrap(store: fixture.store).initialize(groupName: "Other group")
        try await fixture.app.test(.router) { client in
            let body =
                #"{"batch":[{"type":"identify","messageId":"m1","userId":"shared","traits":{"phone":"13800000000"}}]}"#
            try await client.execute(
                uri: "/v1/batch", method: .post,
                headers: [.authorization: HTTPTests.basic(fixture.credentials.writeKey)], body: ByteBuffer(string: body)
            ) { response throws in
                #expect(response.status == .ok)
            }
            try await fixture.projector.drain()
            var memberID = ""
            try await client.execute(
                uri: "/api/v1/members?identifier=phone:13800000000", method: .get,
                headers: [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            ) { response throws in
                #expect(response.status == .ok)
                memberID = try HTTPTests.json(response)["id"]?.stringValue ?? ""
            }
            for uri in [
                "/api/v1/members?identifier=phone:13800000000", "/api/v1/members/\(memberID)",
                "/api/v1/members/\(memberID)/timeline",
            ] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(other.adminKey)"])
                { response throws in
                    #expect(response.status == .notFound, "\(uri) leaked across groups")
                }
            }
        }
    }
}

@Suite("Identity policy API")
struct IdentityPolicyAPITests {
    @Test func adminReplacesThePolicyAndIngestFollowsItAtOnce() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            let bad = #"{"priority":["phone","phone"],"limits":{"phone":0},"blocklist":["phone:12"]}"#
            try await client.execute(
                uri: "/api/v1/identity-policy", method: .put, headers: admin, body: ByteBuffer(string: bad)
            ) {
                response throws in
                #expect(response.status == .badRequest)
                #expect(
                    try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"]
                        == .string("$.blocklist[0]"))
            }
            let good = #"{"priority":["phone","external"],"limits":{"phone":1},"blocklist":["device:store-ipad"]}"#
            try await client.execute(
                uri: "/api/v1/identity-policy", method: .put, headers: admin, body: ByteBuffer(string: good)
            ) {
                response throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/identity-policy", method: .get, headers: admin) { response throws in
                let policy = try HTTPTests.json(response)
                #expect(policy["priority"] == .array([.string("phone"), .string("external")]))
                #expect(policy["blocklist"] == .array([.string("device:store-ipad")]))
            }
            let body = #"{"identifiers":["phone:13800000001","phone:13800000002","device:store-ipad"]}"#
            try await client.execute(
                uri: "/api/v1/members", method: .post, headers: admin, body: ByteBuffer(string: body)
            ) {
                response throws in
                #expect(response.status == .ok)
                let member = try HTTPTests.json(response)["member"]
                #expect(member?["identifiers"] == .array([.string("phone:+8613800000001")]))
            }
            try await client.execute(
                uri: "/api/v1/identity-policy", method: .put,
                headers: [.authorization: HTTPTests.basic(fixture.credentials.writeKey)], body: ByteBuffer(string: good)
            ) {
                response throws in
                #expect(response.status == .unauthorized || response.status == .forbidden)
            }
        }
    }
}
