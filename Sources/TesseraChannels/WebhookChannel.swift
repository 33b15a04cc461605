public import AsyncHTTPClient
public import Foundation
public import NIOCore
public import TesseraCore
import TesseraDomain

/// Delivers messages to a brand's webhook (``ChannelConfiguration/webhook(url:secret:)``): one JSON
/// POST per message, signed (``WebhookSignature``) and carrying the message's idempotency key in
/// `Idempotency-Key` (the same on every attempt, so a receiver can drop repeats). 2xx is delivered;
/// 408, 429, 5xx and network errors are retried; any other status is a rejection.
public struct WebhookChannel: MessageChannel {
    let client: HTTPClient
    let timeout: TimeAmount
    let clock: @Sendable () -> Date

    public init(
        client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.client = client
        self.timeout = timeout
        self.clock = clock
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        guard case .webhook(let url, let secret)? = message.configuration else {
            return .reject(.providerError, detail: "channel \(message.channel) is not a webhook")
        }
        var payload: [String: JSONValue] = [
            "id": .string(message.key), "journeyId": .string(message.journeyID), "node": .string(message.node),
            "memberId": .string(message.member.rawValue), "brandId": .string(message.brandID.rawValue),
            "channel": .string(message.channel), "template": .string(message.template),
            "createdAt": .string(ISO8601DateFormatter().string(from: message.createdAt)),
        ]
        if let subject = message.subject { payload["subject"] = .string(subject) }
        if let body = message.body { payload["body"] = .string(body) }
        if !message.fields.isEmpty { payload["fields"] = .object(message.fields.mapValues(JSONValue.string)) }
        let body = Data(JSONValue.object(payload).jsonText.utf8)
        let signature = WebhookSignature.sign(
            secret: secret, timestamp: Int(clock().timeIntervalSince1970), body: body)
        do {
            let reply = try await HTTPDelivery.post(
                url, body: body, headers: [("Idempotency-Key", message.key), (WebhookSignature.header, signature)],
                client: client, timeout: timeout)
            return HTTPDelivery.outcome(status: reply.status)
        } catch {
            return .retry(detail: "\(error)")
        }
    }
}
