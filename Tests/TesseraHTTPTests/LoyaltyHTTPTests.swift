import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraWorkers
import Logging

@Suite("Loyalty API")
struct LoyaltyHTTPTests {
    /// A new member with `identifier`, created through the API; their id.
    static func newMember(_ client: some TestClientProtocol, _ identifier: String, headers: HTTPFields) async throws
        -> String
    {
        try await client.execute(
            uri: "/api/v1/members", method: .post, headers: headers,
            body: ByteBuffer(string: #"{"identifiers":["\#(identifier)"]}"#)
        ) { response throws in try HTTPTests.json(response)["memberId"]?.stringValue ?? "" }
    }

    /// The key's bearer header with an idempotency key.
    static func headers(_ key: String, idempotencyKey: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", HTTPField.Name("Idempotency-Key")!: idempotencyKey]
    }

    /// Earning, replaying, refusing and reading points through HTTP; refusals are precise and
    /// change nothing.
    @Test func pointsEarnRedeemAndRefusals() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        let adminKey = fixture.credentials.adminKey
        @Sendable func keyed(_ key: String) -> HTTPFields { Self.headers(adminKey, idempotencyKey: key) }
        try await fixture.app.test(.router) { client in
            let member = try await Self.newMember(client, "phone:13800000001", headers: admin)
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
            let member = try await Self.newMember(client, "phone:13800000002", headers: admin)
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

    /// A programme with rules, an order through the native API, the earning worker's pass, and the
    /// member's loyalty in the 360 view; every fault of a bad programme at its path.
    @Test func ordersEarnThroughTheWorkerAndShowInTheMemberView() async throws {
        let fixture = try await HTTPTests.fixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/loyalty/program", method: .put, headers: admin,
                body: ByteBuffer(
                    string:
                        #"{"earn":{"amount":[{"earn":1}],"campaigns":[{"name":"x","from":"yesterday","until":"2026-01-01T00:00:00Z","multiplierPercent":200}]},"tiers":{"levels":"gold"}}"#
                )
            ) { response throws in
                #expect(response.status == .badRequest)
                let path = try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"]?.stringValue
                #expect(
                    path == "$.earn.amount[0].perMinor" || path == "$.earn.campaigns[0].from"
                        || path == "$.tiers.levels")
            }
            try await client.execute(
                uri: "/api/v1/loyalty/program", method: .put, headers: admin,
                body: ByteBuffer(
                    string:
                        #"{"earn":{"amount":[{"earn":1,"perMinor":100}],"perOrderCap":0},"tiers":{"levels":[{"code":"member","threshold":5},{"code":"vip","threshold":1}]}}"#
                )
            ) { response throws in
                #expect(response.status == .badRequest)
                let paths = try HTTPTests.json(response)["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
                #expect(
                    paths == ["$.earn.perOrderCap", "$.tiers.levels[0].threshold", "$.tiers.levels[1].threshold"])
            }
            try await client.execute(
                uri: "/api/v1/loyalty/program", method: .put, headers: admin,
                body: ByteBuffer(
                    string:
                        #"{"earn":{"amount":[{"earn":1,"perMinor":100}]},"growth":{"amount":[{"earn":1,"perMinor":100}]},"tiers":{"levels":[{"code":"member","threshold":0},{"code":"vip","name":"VIP","threshold":100,"pointsMultiplierPercent":200}]}}"#
                )
            ) { response throws in
                #expect(response.status == .ok)
            }
            var member = ""
            try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: admin,
                body: ByteBuffer(
                    string:
                        #"{"orderId":"o-1","identifiers":["phone:13800000009"],"status":"paid","currency":"CNY","totalMinor":12345,"paidMinor":12345}"#
                )
            ) { response throws in
                #expect(response.status == .ok)
                member = try HTTPTests.json(response)["memberId"]?.stringValue ?? ""
            }
            try await client.execute(uri: "/api/v1/loyalty/earning/status", method: .get, headers: admin) {
                response throws in
                #expect(try HTTPTests.json(response)["waiting"] == .number(1))
            }
            let worker = EarningWorker(store: fixture.store, logger: Logger(label: "test.earning"))
            #expect(await worker.pass(at: Date()) == 1)
            try await client.execute(uri: "/api/v1/members/\(member)/loyalty", method: .get, headers: admin) {
                response throws in
                let body = try HTTPTests.json(response)
                #expect(body["points"]?["balance"] == .number(123))
                #expect(body["standing"]?["tier"] == .string("vip") && body["standing"]?["tierName"] == .string("VIP"))
                #expect(body["standing"]?["growth"] == .number(123))
                #expect(body["tierHistory"]?.arrayValue?.count == 2)
            }
            try await client.execute(uri: "/api/v1/members/\(member)", method: .get, headers: admin) {
                response throws in
                let body = try HTTPTests.json(response)
                #expect(body["id"] == .string(member))
                #expect(body["loyalty"]?["standing"]?["tier"] == .string("vip"))
            }
            try await client.execute(uri: "/api/v1/members/\(member)/timeline", method: .get, headers: admin) {
                response throws in
                #expect(String(buffer: response.body).contains("points.earned"))
            }
        }
    }

    /// Templates, issue, quote, redeem exactly once, and precise refusals over HTTP.
    @Test func couponsAreIssuedQuotedAndRedeemedOnce() async throws {
        let fixture = try await HTTPTests.fixture()
        let adminKey = fixture.credentials.adminKey
        let admin: HTTPFields = [.authorization: "Bearer \(adminKey)"]
        @Sendable func keyed(_ key: String) -> HTTPFields { Self.headers(adminKey, idempotencyKey: key) }
        try await fixture.app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/loyalty/coupon-templates", method: .post, headers: admin,
                body: ByteBuffer(
                    string: #"{"name":"x","benefit":{"type":"percent_off","percent":0},"validity":{"days":30}}"#)
            ) { response throws in
                #expect(response.status == .badRequest)
                #expect(
                    try HTTPTests.json(response)["errors"]?.arrayValue?.first?["path"] == .string("$.benefit.percent"))
            }
            var template = ""
            try await client.execute(
                uri: "/api/v1/loyalty/coupon-templates", method: .post, headers: admin,
                body: ByteBuffer(
                    string:
                        #"{"name":"¥100 off ¥199","benefit":{"type":"threshold","spendMinor":19900,"offMinor":10000},"validity":{"days":30},"stock":100}"#
                )
            ) { response throws in
                #expect(response.status == .created)
                template = try HTTPTests.json(response)["id"]?.stringValue ?? ""
            }
            let member = try await Self.newMember(client, "phone:13800000077", headers: admin)
            try await client.execute(
                uri: "/api/v1/members/\(member)/coupons", method: .post, headers: keyed("issue-1"),
                body: ByteBuffer(string: #"{"template":"missing"}"#)
            ) { response throws in
                #expect(response.status == .unprocessableContent)
                #expect(try HTTPTests.json(response)["code"] == .string("template_not_found"))
            }
            var code = ""
            try await client.execute(
                uri: "/api/v1/members/\(member)/coupons", method: .post, headers: keyed("issue-2"),
                body: ByteBuffer(string: #"{"template":"\#(template)"}"#)
            ) { response throws in
                #expect(response.status == .created)
                code = try HTTPTests.json(response)["coupon"]?["code"]?.stringValue ?? ""
            }
            let cart =
                #"{"cart":{"channel":"pos","items":[{"sku":"a","quantity":1,"unitPriceMinor":25000}]},"orderId":"SO-1"}"#
            try await client.execute(
                uri: "/api/v1/loyalty/coupons/\(code.lowercased())/quote", method: .post, headers: admin,
                body: ByteBuffer(string: cart)
            ) { response throws in
                #expect(
                    try HTTPTests.json(response)["quote"]?["discountMinor"] == .number(10_000),
                    "\(String(buffer: response.body))")
            }
            var typo = Array(code)
            typo[0] = typo[0] == "A" ? "B" : "A"
            try await client.execute(
                uri: "/api/v1/loyalty/coupons/\(String(typo))/redeem", method: .post, headers: keyed("r0"),
                body: ByteBuffer(string: cart)
            ) { response throws in
                #expect(response.status == .unprocessableContent)
                #expect(try HTTPTests.json(response)["code"] == .string("invalid_coupon_code"))
            }
            for (key, status, outcome) in [
                ("r1", HTTPResponse.Status.ok, "redeemed"), ("r1", .ok, "redeemed"),
                ("r2", .unprocessableContent, "coupon_used"),
            ] {
                try await client.execute(
                    uri: "/api/v1/loyalty/coupons/\(code)/redeem", method: .post, headers: keyed(key),
                    body: ByteBuffer(string: cart)
                ) { response throws in
                    #expect(response.status == status)
                    let body = try HTTPTests.json(response)
                    #expect((body["coupon"]?["status"] ?? body["code"]) == .string(outcome))
                }
            }
            try await client.execute(uri: "/api/v1/members/\(member)/coupons", method: .get, headers: admin) {
                response throws in
                #expect(try HTTPTests.json(response)["coupons"]?.arrayValue?.count == 1)
            }
        }
    }

    /// Top-up with bonus, spend, refund and refusals over HTTP; the balance in the member view.
    @Test func storedValueTopUpSpendRefund() async throws {
        let fixture = try await HTTPTests.fixture()
        let adminKey = fixture.credentials.adminKey
        let admin: HTTPFields = [.authorization: "Bearer \(adminKey)"]
        @Sendable func keyed(_ key: String) -> HTTPFields { Self.headers(adminKey, idempotencyKey: key) }
        try await fixture.app.test(.router) { client in
            let member = try await Self.newMember(client, "phone:13800000088", headers: admin)
            let base = "/api/v1/members/\(member)/stored-value"
            try await client.execute(
                uri: base + "/top-up", method: .post, headers: keyed("t1"),
                body: ByteBuffer(string: #"{"principalMinor":100000,"bonusMinor":20000}"#)
            ) { response throws in
                #expect(try HTTPTests.json(response)["balance"] == .number(120_000))
            }
            var spend = ""
            try await client.execute(
                uri: base + "/spend", method: .post, headers: keyed("s1"),
                body: ByteBuffer(string: #"{"amountMinor":60000,"orderId":"SO-9"}"#)
            ) { response throws in
                let body = try HTTPTests.json(response)
                #expect(body["entry"]?["principal"] == .number(-50_000) && body["entry"]?["bonus"] == .number(-10_000))
                spend = body["entry"]?["id"]?.stringValue ?? ""
            }
            for (path, body, code) in [
                ("/spend", #"{"amountMinor":70000}"#, "insufficient_balance"),
                ("/refund", #"{"amountMinor":70000,"spendId":"\#(spend)"}"#, "refund_exceeds_spend"),
                ("/refund", #"{"amountMinor":1,"spendId":"nope"}"#, "spend_not_found"),
                ("/top-up", #"{"principalMinor":-5}"#, "invalid_amount"),
            ] {
                try await client.execute(
                    uri: base + path, method: .post, headers: keyed("bad-\(path)-\(code)"),
                    body: ByteBuffer(string: body)
                ) { response throws in
                    #expect(response.status == .unprocessableContent, "\(body)")
                    #expect(try HTTPTests.json(response)["code"] == .string(code), "\(body)")
                }
            }
            try await client.execute(
                uri: base + "/refund", method: .post, headers: keyed("r1"),
                body: ByteBuffer(string: #"{"amountMinor":60000,"spendId":"\#(spend)"}"#)
            ) { response throws in
                #expect(try HTTPTests.json(response)["balance"] == .number(120_000))
            }
            try await client.execute(uri: "/api/v1/members/\(member)/loyalty", method: .get, headers: admin) {
                response throws in
                #expect(try HTTPTests.json(response)["storedValue"]?["principal"] == .number(100_000))
            }
            try await client.execute(uri: base + "/entries", method: .get, headers: admin) { response throws in
                let kinds = try HTTPTests.json(response)["entries"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }
                #expect(kinds == ["refund", "spend", "top_up"], "refusals left entries behind")
            }
        }
    }
}
