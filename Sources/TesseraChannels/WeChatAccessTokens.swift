import AsyncHTTPClient
import Foundation
import NIOCore
import TesseraCore
import TesseraDomain

/// Access tokens of WeChat official accounts, mini-programs and WeCom corps, fetched on first use
/// and refreshed five minutes before they expire or when WeChat reports one invalid.
///
/// One fetch per account at a time: WeChat invalidates an account's previous token when a new one is
/// issued, so concurrent deliveries must share a fetch rather than race each other's tokens away.
actor WeChatAccessTokens {
    struct Token {
        var value: String
        var expires: Date
    }

    enum Failure: Error, CustomStringConvertible {
        /// WeChat refused the credentials (`errcode`), which no retry fixes.
        case refused(code: Int, message: String)
        case unreadable(status: Int)

        var description: String {
            switch self {
            case .refused(let code, let message): "access token refused: errcode \(code) \(message)"
            case .unreadable(let status): "access token answer unreadable (HTTP \(status))"
            }
        }
    }

    private let client: HTTPClient
    private let timeout: TimeAmount
    private var tokens: [String: Token] = [:]
    private var fetching: [String: Task<Token, any Error>] = [:]

    init(client: HTTPClient, timeout: TimeAmount) {
        self.client = client
        self.timeout = timeout
    }

    /// A token for `settings`' account valid for at least five more minutes at `now`.
    func token(for settings: WeChatSettings, now: Date) async throws -> String {
        let key = Self.key(settings)
        if let token = tokens[key], token.expires.timeIntervalSince(now) > 300 { return token.value }
        let task =
            fetching[key]
            ?? Task { [client, timeout] in try await Self.fetch(settings, now: now, client: client, timeout: timeout) }
        fetching[key] = task
        defer { fetching[key] = nil }
        let token = try await task.value
        tokens[key] = token
        return token.value
    }

    /// Forgets a token WeChat rejected (`40001`, `40014`, `42001`), so the next delivery fetches anew.
    func invalidate(_ settings: WeChatSettings, token: String) {
        let key = Self.key(settings)
        if tokens[key]?.value == token { tokens[key] = nil }
    }

    private static func key(_ settings: WeChatSettings) -> String {
        "\(settings.baseURL)|\(settings.kind == .wecomGroup ? "corp" : "app")|\(settings.appID)"
    }

    /// `GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…` (official accounts and
    /// mini-programs) or `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` (WeCom); both answer
    /// `{"access_token": "…", "expires_in": 7200}` or an `errcode`.
    private static func fetch(_ settings: WeChatSettings, now: Date, client: HTTPClient, timeout: TimeAmount)
        async throws -> Token
    {
        var components = URLComponents(string: settings.baseURL)
        if settings.kind == .wecomGroup {
            components?.path += "/cgi-bin/gettoken"
            components?.queryItems = [
                URLQueryItem(name: "corpid", value: settings.appID),
                URLQueryItem(name: "corpsecret", value: settings.secret),
            ]
        } else {
            components?.path += "/cgi-bin/token"
            components?.queryItems = [
                URLQueryItem(name: "grant_type", value: "client_credential"),
                URLQueryItem(name: "appid", value: settings.appID),
                URLQueryItem(name: "secret", value: settings.secret),
            ]
        }
        let reply = try await HTTPDelivery.get(components?.string ?? settings.baseURL, client: client, timeout: timeout)
        if let code = reply.body?["errcode"]?.decimalValue, code != 0 {
            throw Failure.refused(
                code: NSDecimalNumber(decimal: code).intValue, message: reply.body?["errmsg"]?.stringValue ?? "")
        }
        guard reply.status == 200, let value = reply.body?["access_token"]?.stringValue,
            let lifetime = reply.body?["expires_in"]?.decimalValue
        else { throw Failure.unreadable(status: reply.status) }
        return Token(value: value, expires: now.addingTimeInterval(NSDecimalNumber(decimal: lifetime).doubleValue))
    }
}
