import Foundation
public import TesseraDomain

/// A message channel a brand configured under a name its journeys' send nodes use. The built-in
/// `log` channel needs none: it is the outbox itself.
///
/// The JSON form names its `kind` and that kind's settings; secrets are stored but never shown:
/// ```json
/// {"kind": "webhook", "url": "https://crm.example/hooks", "secret": "at-least-16-characters"}
/// {"kind": "smtp", "host": "127.0.0.1", "port": 25, "from": "news@brand.example"}
/// {"kind": "sms", "url": "https://sms.example/send", "token": "…"}
/// {"kind": "wechat-template", "appId": "wx…", "secret": "…", "templateId": "…", "link": "https://…"}
/// ```
public enum ChannelConfiguration: Sendable, Hashable {
    /// POSTs each message as JSON to `url`, signed with HMAC-SHA256 of `"<timestamp>.<body>"` under
    /// `secret` in the `Tessera-Signature: t=<unix seconds>,v1=<hex>` header.
    case webhook(url: String, secret: String)
    /// Sends an e-mail to the member's `email` identifier through an SMTP relay.
    case smtp(SMTPSettings)
    /// POSTs `{"id", "to", "text"}` to a generic SMS provider's `url` with `Authorization: Bearer <token>`,
    /// to the member's `phone` identifier.
    case sms(url: String, token: String)
    /// One of the WeChat / WeCom message APIs (template, mini-program subscription, 48-hour customer
    /// service, WeCom group message), called with an access token Tessera fetches and refreshes.
    case wechat(WeChatSettings)

    /// The adapter kind: `webhook`, `smtp`, `sms` or a ``WeChatSettings/Kind`` (`wechat-template`…).
    public var kind: String {
        switch self {
        case .webhook: "webhook"
        case .smtp: "smtp"
        case .sms: "sms"
        case .wechat(let settings): settings.kind.rawValue
        }
    }

    /// Every kind a configuration can have.
    public static let kinds = ["webhook", "smtp", "sms"] + WeChatSettings.Kind.allCases.map(\.rawValue)

    /// Reads the JSON form strictly: unknown keys, bad URLs and short secrets are faults at their path.
    public static func parse(_ json: JSONValue) throws(FieldError) -> ChannelConfiguration {
        guard case .object(let object) = json else { throw FieldError(path: "$", reason: "expected an object") }
        let kind = object["kind"]?.stringValue ?? ""
        let reader = Reader(object: object)
        switch kind {
        case "webhook":
            try reader.allow(["url", "secret"])
            return .webhook(url: try reader.url("url"), secret: try reader.secret("secret"))
        case "smtp":
            try reader.allow(["host", "port", "from", "username", "password"])
            let from = try reader.text("from")
            guard from.contains("@") else { throw FieldError(path: "$.from", reason: "expected an e-mail address") }
            let port = try reader.integer("port", in: 1...65_535) ?? 25
            let username = try reader.optionalText("username")
            let password = try reader.optionalText("password")
            guard (username == nil) == (password == nil) else {
                throw FieldError(path: "$.password", reason: "username and password go together")
            }
            return .smtp(
                SMTPSettings(
                    host: try reader.text("host"), port: port, from: from, username: username, password: password))
        case "sms":
            try reader.allow(["url", "token"])
            return .sms(url: try reader.url("url"), token: try reader.text("token"))
        default:
            guard let wechat = WeChatSettings.Kind(rawValue: kind) else {
                throw FieldError(path: "$.kind", reason: "expected one of: \(kinds.joined(separator: ", "))")
            }
            var keys: Set<String> = ["baseUrl", "appId", "secret"]
            if wechat.usesTemplate { keys.formUnion(["templateId", "link"]) }
            try reader.allow(keys)
            let baseURL = try reader.optionalText("baseUrl").map { _ throws(FieldError) in try reader.url("baseUrl") }
            return .wechat(
                WeChatSettings(
                    kind: wechat, baseURL: baseURL ?? wechat.defaultBaseURL, appID: try reader.text("appId"),
                    secret: try reader.text("secret"),
                    templateID: wechat.usesTemplate ? try reader.text("templateId") : nil,
                    link: try reader.optionalText("link")))
        }
    }

    /// The stored form (with secrets).
    public var json: JSONValue { render(secrets: true) }

    /// What the API shows: never a secret, password or token.
    public var publicJSON: JSONValue { render(secrets: false) }

    private func render(secrets: Bool) -> JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind)]
        func secret(_ key: String, _ value: String?) {
            if secrets, let value { object[key] = .string(value) }
        }
        switch self {
        case .webhook(let url, let value):
            object["url"] = .string(url)
            secret("secret", value)
        case .smtp(let settings):
            object["host"] = .string(settings.host)
            object["port"] = .number(Decimal(settings.port))
            object["from"] = .string(settings.from)
            if let username = settings.username { object["username"] = .string(username) }
            secret("password", settings.password)
        case .sms(let url, let token):
            object["url"] = .string(url)
            secret("token", token)
        case .wechat(let settings):
            object["baseUrl"] = .string(settings.baseURL)
            object["appId"] = .string(settings.appID)
            if let templateID = settings.templateID { object["templateId"] = .string(templateID) }
            if let link = settings.link { object["link"] = .string(link) }
            secret("secret", settings.secret)
        }
        return .object(object)
    }

    /// Strict access to one configuration object's keys, each fault at `$.<key>`.
    private struct Reader {
        let object: [String: JSONValue]

        func allow(_ keys: Set<String>) throws(FieldError) {
            for key in object.keys.sorted() where key != "kind" && !keys.contains(key) {
                throw FieldError(
                    path: "$.\(key)", reason: "unknown key; expected \(keys.sorted().joined(separator: ", "))")
            }
        }

        func optionalText(_ key: String) throws(FieldError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value.stringValue, !text.isEmpty else {
                throw FieldError(path: "$.\(key)", reason: "expected a non-empty string")
            }
            return text
        }

        func text(_ key: String) throws(FieldError) -> String {
            guard let text = try optionalText(key) else { throw FieldError(path: "$.\(key)", reason: "required") }
            return text
        }

        func url(_ key: String) throws(FieldError) -> String {
            let text = try text(key)
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else { throw FieldError(path: "$.\(key)", reason: "expected an http(s) URL") }
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }

        func secret(_ key: String) throws(FieldError) -> String {
            let text = try text(key)
            guard text.utf8.count >= 16 else {
                throw FieldError(path: "$.\(key)", reason: "expected a shared secret of at least 16 characters")
            }
            return text
        }

        func integer(_ key: String, in range: ClosedRange<Int>) throws(FieldError) -> Int? {
            guard let value = object[key] else { return nil }
            guard case .number(let decimal) = value,
                let number = Int(exactly: NSDecimalNumber(decimal: decimal).doubleValue),
                range.contains(number)
            else {
                throw FieldError(
                    path: "$.\(key)", reason: "expected an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return number
        }
    }
}
