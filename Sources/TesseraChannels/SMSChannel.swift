public import AsyncHTTPClient
public import NIOCore
public import TesseraCore
import TesseraDomain

/// Sends text messages through a generic HTTP JSON SMS provider
/// (``ChannelConfiguration/sms(url:token:)``): `POST <url>` with `Authorization: Bearer <token>`,
/// `Idempotency-Key: <message key>` and `{"id": "<message key>", "to": "+86…", "text": "…"}` to the
/// member's first `phone` identifier. A member without a phone number fails with `no_contact`.
public struct SMSChannel: MessageChannel {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        guard case .sms(let url, let token)? = message.configuration else {
            return .reject(.providerError, detail: "channel \(message.channel) is not an SMS channel")
        }
        guard let phone = message.recipient.address(.phone) else {
            return .reject(.noContact, detail: "the member has no phone number")
        }
        let payload: JSONValue = .object([
            "id": .string(message.key), "to": .string(phone), "text": .string(message.body ?? ""),
        ])
        do {
            let reply = try await HTTPDelivery.post(
                url, json: payload, headers: [("Authorization", "Bearer \(token)"), ("Idempotency-Key", message.key)],
                client: client, timeout: timeout)
            return HTTPDelivery.outcome(status: reply.status)
        } catch {
            return .retry(detail: "\(error)")
        }
    }
}
