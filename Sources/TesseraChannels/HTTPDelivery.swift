import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TesseraCore
import TesseraDomain

/// One JSON POST of a channel adapter, and the usual reading of its status: 2xx delivered; 408, 429,
/// 5xx and network errors retried; anything else rejected for good as `provider_error`.
enum HTTPDelivery {
    struct Reply {
        var status: Int
        var body: JSONValue?
    }

    static func post(
        _ url: String, json: JSONValue, headers: [(String, String)] = [], client: HTTPClient, timeout: TimeAmount
    ) async throws -> Reply {
        let body = Data(json.jsonText.utf8)
        return try await post(url, body: body, headers: headers, client: client, timeout: timeout)
    }

    static func post(
        _ url: String, body: Data, headers: [(String, String)], client: HTTPClient, timeout: TimeAmount
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await execute(request, client: client, timeout: timeout)
    }

    static func get(_ url: String, client: HTTPClient, timeout: TimeAmount) async throws -> Reply {
        try await execute(HTTPClientRequest(url: url), client: client, timeout: timeout)
    }

    private static func execute(_ request: HTTPClientRequest, client: HTTPClient, timeout: TimeAmount) async throws
        -> Reply
    {
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = try? JSONValue.parse(String(decoding: bytes.readableBytesView, as: UTF8.self))
        return Reply(status: Int(response.status.code), body: json)
    }

    /// The outcome a status stands for.
    static func outcome(status: Int) -> DeliveryOutcome {
        switch status {
        case 200..<300: .delivered
        case 408, 429, 500..<600: .retry(detail: "HTTP \(status)")
        default: .reject(.providerError, detail: "HTTP \(status)")
        }
    }
}
