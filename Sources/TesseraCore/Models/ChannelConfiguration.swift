public import Foundation
public import TesseraDomain

/// A message channel a brand configured under a name its journeys' send nodes use. The built-in
/// `log` channel needs none: it is the outbox itself.
public enum ChannelConfiguration: Sendable, Hashable {
    /// POSTs each message as JSON to `url`, signed with HMAC-SHA256 of `"<timestamp>.<body>"` under
    /// `secret` in the `Tessera-Signature: t=<unix seconds>,v1=<hex>` header.
    case webhook(url: String, secret: String)

    public var kind: String {
        switch self {
        case .webhook: "webhook"
        }
    }

    /// Reads `{"kind": "webhook", "url": "https://…", "secret": "…"}` strictly.
    public static func parse(_ json: JSONValue) throws(FieldError) -> ChannelConfiguration {
        guard case .object(let object) = json else { throw FieldError(path: "$", reason: "expected an object") }
        for key in object.keys.sorted() where !["kind", "url", "secret"].contains(key) {
            throw FieldError(path: "$.\(key)", reason: "unknown key; expected kind, url or secret")
        }
        guard object["kind"]?.stringValue == "webhook" else {
            throw FieldError(path: "$.kind", reason: "expected webhook")
        }
        guard let url = object["url"]?.stringValue, let parsed = URL(string: url),
            ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
        else { throw FieldError(path: "$.url", reason: "expected an http(s) URL") }
        guard let secret = object["secret"]?.stringValue, secret.utf8.count >= 16 else {
            throw FieldError(path: "$.secret", reason: "expected a shared secret of at least 16 characters")
        }
        return .webhook(url: url, secret: secret)
    }

    /// The stored form (with the secret).
    public var json: JSONValue {
        switch self {
        case .webhook(let url, let secret):
            .object(["kind": .string("webhook"), "url": .string(url), "secret": .string(secret)])
        }
    }

    /// What the API shows: never the secret.
    public var publicJSON: JSONValue {
        switch self {
        case .webhook(let url, _): .object(["kind": .string("webhook"), "url": .string(url)])
        }
    }
}
