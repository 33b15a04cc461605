import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import Synchronization
import Testing
import TesseraChannels
import TesseraCore
import TesseraDomain
import TesseraHTTP
import TesseraWorkers

/// SMS, WeChat template / subscription / customer-service and WeCom group messages reach a real HTTP
/// server on loopback that answers like the providers: the documented request shapes, an access token
/// fetched once and fetched again when WeChat calls it expired, and `errcode`s turned into reason codes.
@Suite("SMS and WeChat channels")
struct ChannelAdapterTests {
    /// What the stand-in provider saw: (path, access token or bearer, JSON body).
    final class Provider: Sendable {
        let requests = Mutex<[(path: String, token: String, body: JSONValue)]>([])
        /// Tokens issued per app id.
        let tokensIssued = Mutex<[String: Int]>([:])

        func record(_ path: String, _ token: String, _ body: JSONValue) {
            requests.withLock { $0.append((path, token, body)) }
        }
    }

    static func provider(_ provider: Provider) -> Application<RouterResponder<BasicRequestContext>> {
        let router = Router()
        @Sendable func json(_ value: JSONValue) -> Response {
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText)))
        }
        // Official account / mini-program and WeCom tokens: <app id>-1, <app id>-2, … in the order asked for.
        for path in ["cgi-bin/token", "cgi-bin/gettoken"] {
            router.get(RouterPath(stringLiteral: path)) { request, _ -> Response in
                let query = request.uri.queryParameters
                let secret = query["secret"].map(String.init) ?? query["corpsecret"].map(String.init)
                guard secret == "app-secret" else {
                    return json(.object(["errcode": .number(40125), "errmsg": .string("invalid appsecret")]))
                }
                let app = query["appid"].map(String.init) ?? query["corpid"].map(String.init) ?? ""
                let number = provider.tokensIssued.withLock { issued in
                    issued[app, default: 0] += 1
                    return issued[app, default: 0]
                }
                return json(.object(["access_token": .string("\(app)-\(number)"), "expires_in": .number(7200)]))
            }
        }
        let wechat = [
            "cgi-bin/message/template/send", "cgi-bin/message/subscribe/send", "cgi-bin/message/custom/send",
            "cgi-bin/externalcontact/add_msg_template",
        ]
        for path in wechat {
            router.post(RouterPath(stringLiteral: path)) { request, _ -> Response in
                let token = request.uri.queryParameters["access_token"].map(String.init) ?? ""
                let body = try JSONValue.parse(
                    String(buffer: try await request.body.collect(upTo: 1 << 20)))
                provider.record(path, token, body)
                // Every account's first token has expired by the time it is used.
                if token.hasSuffix("-1") {
                    return json(.object(["errcode": .number(42001), "errmsg": .string("expired")]))
                }
                let code: Int =
                    switch path {
                    case "cgi-bin/message/subscribe/send": 43101
                    case "cgi-bin/message/custom/send": 45015
                    default: 0
                    }
                return json(.object(["errcode": .number(Decimal(code)), "errmsg": .string("ok")]))
            }
        }
        router.post("sms") { request, _ -> Response in
            let body = try JSONValue.parse(String(buffer: try await request.body.collect(upTo: 1 << 20)))
            provider.record("sms", request.headers[.authorization] ?? "", body)
            return Response(status: .accepted)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func providersGetTheirShapesAndFailuresTheirReasons() async throws {
        let provider = Provider()
        try await Self.provider(provider).test(.live) { server in
            let base = "http://127.0.0.1:\(try #require(server.port))"
            let fixture = try await HTTPTests.fixture()
            let admin: HTTPFields = [.authorization: "Bearer \(fixture.credentials.adminKey)"]
            try await fixture.app.test(.router) { client in
                let channels = [
                    ("sms", #"{"kind": "sms", "url": "\#(base)/sms", "token": "sms-token"}"#),
                    (
                        "offers",
                        #"{"kind": "wechat-template", "baseUrl": "\#(base)", "appId": "wx1", "secret": "app-secret", "templateId": "TPL", "link": "https://shop.example/offers"}"#
                    ),
                    (
                        "reminders",
                        #"{"kind": "wechat-subscription", "baseUrl": "\#(base)", "appId": "wxmini", "secret": "app-secret", "templateId": "SUB", "link": "pages/index"}"#
                    ),
                    (
                        "service",
                        #"{"kind": "wechat-service", "baseUrl": "\#(base)", "appId": "wx1", "secret": "app-secret"}"#
                    ),
                    (
                        "guides",
                        #"{"kind": "wecom-group", "baseUrl": "\#(base)", "appId": "corp1", "secret": "app-secret"}"#
                    ),
                ]
                for (name, body) in channels {
                    let (status, _) = try await SegmentHTTPTests.put(client, "/api/v1/channels/\(name)", body, admin)
                    #expect(status == .ok, "\(name)")
                }
                // Strict settings: a template channel needs its template id.
                let (bad, problem) = try await SegmentHTTPTests.put(
                    client, "/api/v1/channels/broken",
                    #"{"kind": "wechat-template", "appId": "wx1", "secret": "app-secret"}"#, admin)
                #expect(bad == .badRequest && problem["errors"]?.arrayValue?.first?["path"] == .string("$.templateId"))
                let listed = try await SegmentHTTPTests.get(client, "/api/v1/channels", admin).jsonText
                #expect(!listed.contains("app-secret") && !listed.contains("sms-token"))

                let (saved, _) = try await SegmentHTTPTests.put(
                    client, "/api/v1/message-templates/offer",
                    #"{"body": "Hi {{member.name}}, 20% off", "fields": {"thing1": "{{member.name}}", "amount2": "20%"}}"#,
                    admin)
                #expect(saved == .ok)
                let sends = ["sms", "offers", "reminders", "service", "guides"]
                var nodes = sends.enumerated().map { index, channel in
                    let next = index + 1 < sends.count ? sends[index + 1] : "end"
                    return
                        #""\#(channel)": {"send": {"channel": "\#(channel)", "template": "offer", "next": "\#(next)"}}"#
                }
                nodes.append(#""end": {"exit": {}}"#)
                let journey =
                    #"{"entry": {"event": {"name": "follow"}}, "start": "sms", "nodes": {\#(nodes.joined(separator: ", "))}}"#
                let (created, _) = try await SegmentHTTPTests.put(client, "/api/v1/journeys/channels", journey, admin)
                #expect(created == .created)
                let (published, _) = try await SegmentHTTPTests.post(
                    client, "/api/v1/journeys/channels/publish", "", admin)
                #expect(published == .ok)
                // Ann can be reached everywhere; Bob only by an unrelated app's openid.
                for member in [
                    #"{"identifiers": ["phone:13900000021", "openid:wx1:oAnn", "openid:wxmini:mAnn", "wecom:corp1:eAnn"], "name": "Ann", "guide": "guide7", "consent": {"sms": true, "wechat": true}}"#,
                    #"{"identifiers": ["openid:wxother:oBob"], "name": "Bob", "consent": {"sms": true, "wechat": true}}"#,
                ] {
                    let (status, _) = try await SegmentHTTPTests.post(client, "/api/v1/members", member, admin)
                    #expect(status == .ok || status == .created)
                }
                let (accepted, _) = try await SegmentHTTPTests.post(
                    client, "/api/v1/events",
                    #"{"events": [{"idempotencyKey": "a", "identifiers": ["phone:13900000021"], "name": "follow"}, {"idempotencyKey": "b", "identifiers": ["openid:wxother:oBob"], "name": "follow"}]}"#,
                    admin)
                #expect(accepted == .ok)
            }
            let now = Date()
            #expect(try await fixture.journeys.runDue(at: now, group: fixture.credentials.groupID) == 2)
            let dispatcher = OutboxDispatcher(store: fixture.store, logger: Logger(label: "test.outbox"))
            #expect(await dispatcher.pass(at: now) == 10)

            let journey = try #require(
                try await fixture.store.journey(
                    group: fixture.credentials.groupID, brand: fixture.credentials.brandID, named: "channels"))
            let messages = try await fixture.store.journeyMessages(
                group: fixture.credentials.groupID, journeyID: journey.id, status: nil, reason: nil, limit: 20)
            let ann = try #require(try await fixture.member("phone:13900000021")).id
            var outcomes: [String: String] = [:]
            for message in messages {
                let who = message.member == ann ? "ann" : "bob"
                outcomes["\(who).\(message.node)"] = message.reason ?? message.status
            }
            #expect(
                outcomes == [
                    "ann.sms": "delivered", "ann.offers": "delivered", "ann.reminders": "not_subscribed",
                    "ann.service": "no_contact", "ann.guides": "delivered",
                    "bob.sms": "no_contact", "bob.offers": "no_contact", "bob.reminders": "no_contact",
                    "bob.service": "no_contact", "bob.guides": "no_guide_relationship",
                ])

            let requests = provider.requests.withLock { $0 }
            let sms = try #require(requests.first { $0.path == "sms" })
            #expect(sms.token == "Bearer sms-token")
            #expect(sms.body["to"] == .string("+8613900000021") && sms.body["text"] == .string("Hi Ann, 20% off"))
            // Requests with an expired token were sent again with a fresh one; each account fetched two
            // tokens however many messages raced for them.
            #expect(provider.tokensIssued.withLock { $0 } == ["wx1": 2, "wxmini": 2, "corp1": 2])
            for path in Set(requests.map(\.path)) where path != "sms" {
                #expect(requests.last { $0.path == path }?.token.hasSuffix("-2") == true, "\(path)")
            }
            let template = try #require(requests.last { $0.path == "cgi-bin/message/template/send" }?.body)
            #expect(template["touser"] == .string("oAnn") && template["template_id"] == .string("TPL"))
            #expect(template["url"] == .string("https://shop.example/offers"))
            #expect(template["data"]?["thing1"]?["value"] == .string("Ann"))
            #expect(template["data"]?["amount2"]?["value"] == .string("20%"))
            // Sent again after the token expired, the message kept its id: WeChat delivers it once.
            let ids = Set(
                requests.filter { $0.path == "cgi-bin/message/template/send" }.map { $0.body["client_msg_id"] })
            #expect(ids.count == 1)
            if case .string(let id)?? = ids.first {
                #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            } else {
                Issue.record("the template message carries no client_msg_id")
            }
            let subscription = try #require(requests.last { $0.path == "cgi-bin/message/subscribe/send" }?.body)
            #expect(subscription["touser"] == .string("mAnn") && subscription["page"] == .string("pages/index"))
            let service = try #require(requests.last { $0.path == "cgi-bin/message/custom/send" }?.body)
            #expect(service["msgtype"] == .string("text") && service["text"]?["content"] == .string("Hi Ann, 20% off"))
            let group = try #require(requests.last { $0.path == "cgi-bin/externalcontact/add_msg_template" }?.body)
            #expect(group["sender"] == .string("guide7") && group["external_userid"] == .array([.string("eAnn")]))
            // Bob was never sent anywhere: his failures were decided before any request.
            #expect(!requests.contains { $0.body["touser"] == .string("oBob") })
        }
    }

    @Test func wechatErrorCodesMapToReasons() {
        #expect(WeChatChannel.outcome(errcode: 0, message: "ok") == .delivered)
        for (code, reason) in [
            (43004, DeliveryFailure.notSubscribed), (45015, .noContact), (45009, .quotaExhausted),
            (84061, .noGuideRelationship), (40037, .providerError),
        ] {
            guard case .reject(let got, _) = WeChatChannel.outcome(errcode: code, message: "") else {
                Issue.record("errcode \(code) should be a rejection")
                continue
            }
            #expect(got == reason, "errcode \(code)")
        }
        guard case .retry = WeChatChannel.outcome(errcode: -1, message: "system busy") else {
            Issue.record("errcode -1 should be retried")
            return
        }
    }
}
