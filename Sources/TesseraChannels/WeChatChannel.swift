public import AsyncHTTPClient
import Crypto
public import Foundation
public import NIOCore
public import TesseraCore
import TesseraDomain

/// Sends through WeChat's message APIs (``WeChatSettings/Kind``), with the documented request shapes
/// against the configured base URL and an access token fetched and refreshed by Tessera:
///
/// - `wechat-template`: `POST /cgi-bin/message/template/send`
///   `{"touser", "template_id", "url", "data", "client_msg_id"}` (``clientMessageID(_:)``)
/// - `wechat-subscription`: `POST /cgi-bin/message/subscribe/send` `{"touser", "template_id", "page", "data"}`
/// - `wechat-service`: `POST /cgi-bin/message/custom/send` `{"touser", "msgtype": "text", "text": {"content"}}`
/// - `wecom-group`: `POST /cgi-bin/externalcontact/add_msg_template`
///   `{"chat_type": "single", "external_userid": […], "sender": "<guide>", "text": {"content"}}`
///
/// `data` is the template's fields (`{"thing1": {"value": "…"}}`; the body as `content` when it has
/// none). The member's address is their `openid:<appId>:…` identifier (`wecom:<corpId>:…` and their
/// store guide for WeCom). WeChat's `errcode`s become reason codes (``outcome(errcode:message:)``).
public struct WeChatChannel: MessageChannel {
    let client: HTTPClient
    let timeout: TimeAmount
    let clock: @Sendable () -> Date
    let tokens: WeChatAccessTokens

    public init(
        client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.client = client
        self.timeout = timeout
        self.clock = clock
        self.tokens = WeChatAccessTokens(client: client, timeout: timeout)
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        guard case .wechat(let settings)? = message.configuration else {
            return .reject(.providerError, detail: "channel \(message.channel) is not a WeChat channel")
        }
        let request: (path: String, body: JSONValue)
        switch Self.request(message, settings) {
        case .success(let made): request = made
        case .failure(let failure): return .reject(failure.reason, detail: failure.detail)
        }
        // A token WeChat calls invalid or expired is fetched again once, at once.
        for attempt in 0..<2 {
            let token: String
            do {
                token = try await tokens.token(for: settings, now: clock())
            } catch let failure as WeChatAccessTokens.Failure {
                if case .refused = failure { return .reject(.providerError, detail: failure.description) }
                return .retry(detail: failure.description)
            } catch {
                return .retry(detail: "access token: \(error)")
            }
            let url = settings.baseURL + request.path + "?access_token=" + token
            let reply: HTTPDelivery.Reply
            do {
                reply = try await HTTPDelivery.post(url, json: request.body, client: client, timeout: timeout)
            } catch {
                return .retry(detail: "\(error)")
            }
            guard reply.status == 200 else { return HTTPDelivery.outcome(status: reply.status) }
            let code = reply.body?["errcode"]?.decimalValue.map { NSDecimalNumber(decimal: $0).intValue } ?? 0
            if Self.tokenErrors.contains(code), attempt == 0 {
                await tokens.invalidate(settings, token: token)
                continue
            }
            return Self.outcome(errcode: code, message: reply.body?["errmsg"]?.stringValue ?? "")
        }
        return .retry(detail: "access token rejected twice")
    }

    /// `errcode`s saying the access token is invalid or expired.
    static let tokenErrors: Set<Int> = [40001, 40014, 42001]

    /// What a WeChat `errcode` means for the message.
    public static func outcome(errcode: Int, message: String) -> DeliveryOutcome {
        let detail = "errcode \(errcode) \(message)"
        switch errcode {
        case 0: return .delivered
        // System busy, per-minute frequency limit, token trouble after a refresh: try later.
        case -1, 45011, 40001, 40014, 42001: return .retry(detail: detail)
        // Not following the account (43004), declined the subscription (43101), unsubscribed (43019).
        case 43004, 43101, 43019: return .reject(.notSubscribed, detail: detail)
        // Invalid openid (40003), outside the 48-hour service window (45015), not an external contact (84061).
        case 40003, 45015: return .reject(.noContact, detail: detail)
        case 84061, 41054: return .reject(.noGuideRelationship, detail: detail)
        // Daily API quota (45009) or customer-service / group-send quota (45047, 41048).
        case 45009, 45047, 41048: return .reject(.quotaExhausted, detail: detail)
        default: return .reject(.providerError, detail: detail)
        }
    }

    struct Unsendable: Error {
        var reason: DeliveryFailure
        var detail: String
    }

    /// The API path and JSON body for `message`, or why it cannot be sent to this member.
    /// The template message's `client_msg_id`: WeChat sends one message per openid and id within
    /// ten minutes, so a request repeated after a lost reply or a worker's crash is not delivered
    /// twice. The message's idempotency key, hashed to 32 hex digits (the keys are longer than an id
    /// needs to be). The other WeChat APIs take no such id: a repeat there can be delivered twice.
    static func clientMessageID(_ key: String) -> String {
        Hex.string(SHA256.hash(data: Data(key.utf8)).prefix(16))
    }

    static func request(_ message: OutboundMessage, _ settings: WeChatSettings) -> Result<
        (path: String, body: JSONValue), Unsendable
    > {
        let text = JSONValue.object(["content": .string(message.body ?? "")])
        if settings.kind == .wecomGroup {
            guard let guide = message.recipient.guide else {
                return .failure(Unsendable(reason: .noGuideRelationship, detail: "the member has no store guide"))
            }
            guard let contact = message.recipient.address(.wecom, scope: settings.appID) else {
                return .failure(
                    Unsendable(
                        reason: .noGuideRelationship, detail: "the member is no WeCom contact of \(settings.appID)"))
            }
            return .success(
                (
                    "/cgi-bin/externalcontact/add_msg_template",
                    .object([
                        "chat_type": .string("single"), "external_userid": .array([.string(contact)]),
                        "sender": .string(guide), "text": text,
                    ])
                ))
        }
        guard let openid = message.recipient.address(.openid, scope: settings.appID) else {
            return .failure(Unsendable(reason: .noContact, detail: "the member has no openid of \(settings.appID)"))
        }
        let fields = message.fields.isEmpty ? ["content": message.body ?? ""] : message.fields
        let data = JSONValue.object(fields.mapValues { .object(["value": .string($0)]) })
        switch settings.kind {
        case .template:
            var body: [String: JSONValue] = [
                "touser": .string(openid), "template_id": .string(settings.templateID ?? ""), "data": data,
            ]
            if let link = settings.link { body["url"] = .string(link) }
            body["client_msg_id"] = .string(clientMessageID(message.key))
            return .success(("/cgi-bin/message/template/send", .object(body)))
        case .subscription:
            var body: [String: JSONValue] = [
                "touser": .string(openid), "template_id": .string(settings.templateID ?? ""), "data": data,
            ]
            if let link = settings.link { body["page"] = .string(link) }
            return .success(("/cgi-bin/message/subscribe/send", .object(body)))
        case .service, .wecomGroup:
            return .success(
                (
                    "/cgi-bin/message/custom/send",
                    .object(["touser": .string(openid), "msgtype": .string("text"), "text": text])
                ))
        }
    }
}
