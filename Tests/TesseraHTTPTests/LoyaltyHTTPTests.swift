import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP

@Suite("Loyalty API")
struct LoyaltyHTTPTests {
    /// Earning, replaying, refusing and reading points through HTTP; refusals are precise and
    /// change nothing.
    @Test func pointsEarnRedeemAndRefusals() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        let adminKey = fixture.credentials.adminKey
        @Sendable func keyed(_ key: String) -> HTTPFields {
            [.authorization: "Bearer \(adminKey)", HTTPField.Name("Idempotency-Key")!: key]
        }
        try await fixture.app.test(.router) { client in
            var member = ""
            try await client.execute(
                uri: "/api/v1/members", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"identifiers":["phone:13800000001"],"name":"Ann"}"#)
            ) { response throws in
                member = try HTTPTests.json(response)["memberId"]?.stringValue ?? ""
            }
            let points = "/api/v1/members/\(member)/points"
            try await client.execute(
                uri: points + "/earn", method: .post, headers: keyed("e1"),
                body: ByteBuffer(
                    string: #"{"points":500,"reason":"welcome","source":{"type":"journey","id":"welcome-1"}}"#)
            ) { response throws in
                #expect(response.status == .ok)
                let body = try HTTPTests.json(response)
                #expect(body["balance"] == .number(500) && body["replayed"] == .bool(false))
            }
            try await client.execute(
                uri: points + "/earn", method: .post, headers: keyed("e1"),
                body: ByteBuffer(string: #"{"points":500,"reason":"welcome"}"#)
            ) { response throws in
                let body = try HTTPTests.json(response)
                #expect(body["balance"] == .number(500) && body["replayed"] == .bool(true))
            }
            let refusals: [(String, HTTPFields, HTTPResponse.Status, String, String)] = [
                (#"{"points":600}"#, keyed("r1"), .unprocessableContent, "insufficient_points", "$.points"),
                (#"{"points":-5}"#, keyed("r2"), .unprocessableContent, "invalid_amount", "$.points"),
                (#"{"points":"ten"}"#, keyed("r3"), .badRequest, "invalid_request", "$.points"),
                (#"{"points":1.5}"#, keyed("r4"), .badRequest, "invalid_request", "$.points"),
                (#"{"points":10}"#, admin, .badRequest, "invalid_request", "$.idempotencyKey"),
            ]
            for (body, headers, status, code, path) in refusals {
                try await client.execute(
                    uri: points + "/redeem", method: .post, headers: headers, body: ByteBuffer(string: body)
                ) { response throws in
                    #expect(response.status == status, "\(body)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let problem = try HTTPTests.json(response)
                    #expect(problem["code"] == .string(code), "\(body)")
                    #expect(problem["errors"]?.arrayValue?.first?["path"] == .string(path), "\(body)")
                }
            }
            try await client.execute(
                uri: points + "/redeem", method: .post, headers: keyed("r5"),
                body: ByteBuffer(string: #"{"points":120,"reason":"gift"}"#)
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try HTTPTests.json(response)["balance"] == .number(380))
            }
            try await client.execute(uri: points, method: .get, headers: admin) { response throws in
                let body = try HTTPTests.json(response)
                #expect(body["balance"] == .number(380) && body["available"] == .number(380))
                #expect(body["lots"]?.arrayValue?.count == 1)
            }
            try await client.execute(uri: points + "/entries", method: .get, headers: admin) { response throws in
                let kinds = try HTTPTests.json(response)["entries"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }
                #expect(kinds == ["redeem", "earn"], "refusals left entries behind")
            }
            try await client.execute(
                uri: "/api/v1/members/nobody/points/redeem", method: .post, headers: keyed("r6"),
                body: ByteBuffer(string: #"{"points":1}"#)
            ) { response throws in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: points + "/adjust", method: .post, headers: keyed("a1"),
                body: ByteBuffer(string: #"{"points":-80}"#)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"] == .string("$.reason"))
            }
            try await client.execute(
                uri: points + "/adjust", method: .post, headers: keyed("a2"),
                body: ByteBuffer(string: #"{"points":-80,"reason":"duplicate earning"}"#)
            ) { response throws in
                #expect(try HTTPTests.json(response)["balance"] == .number(300))
            }
        }
    }

    @Test func programIsValidatedVersionedAndDrivesExpiry() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            for (body, path) in [
                (#"{"timeZone":"Mars/Olympus"}"#, "$.timeZone"),
                (#"{"timeZone":"Asia/Shanghai","pointsExpiry":{"type":"weekly","count":1}}"#, "$.pointsExpiry.type"),
                (#"{"timeZone":"Asia/Shanghai","pointsExpiry":{"type":"days","count":0}}"#, "$.pointsExpiry.count"),
            ] {
                try await client.execute(
                    uri: "/api/v1/loyalty/program", method: .put, headers: admin, body: ByteBuffer(string: body)
                ) { response throws in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(
                        try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"] == .string(path), "\(body)")
                }
            }
            try await client.execute(
                uri: "/api/v1/loyalty/program", method: .put, headers: admin,
                body: ByteBuffer(
                    string: #"{"timeZone":"Asia/Shanghai","pointsExpiry":{"type":"end_of_year","count":1}}"#)
            ) { response throws in
                #expect(response.status == .ok)
                #expect(try HTTPTests.json(response)["version"] == .number(1))
            }
            var member = ""
            try await client.execute(
                uri: "/api/v1/members", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"identifiers":["phone:13800000002"]}"#)
            ) { response throws in
                member = try HTTPTests.json(response)["memberId"]?.stringValue ?? ""
            }
            try await client.execute(
                uri: "/api/v1/members/\(member)/points/earn", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"points":100,"idempotencyKey":"earn-1"}"#)
            ) { response throws in
                let lot = try HTTPTests.json(response)["entries"]?.arrayValue?.first?["createdLot"]
                let expires = try #require(lot?["expiresAt"]?.stringValue)
                // End of next year in Shanghai: 31 December 16:00 UTC.
                #expect(expires.hasSuffix("-12-31T16:00:00Z"), "\(expires)")
            }
            // Nothing is due yet: the pass changes nothing.
            try await client.execute(uri: "/api/v1/loyalty/points/expire", method: .post, headers: admin) {
                response throws in
                #expect(try HTTPTests.json(response)["points"] == .number(0))
            }
        }
    }
}
