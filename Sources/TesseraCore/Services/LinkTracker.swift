import Crypto
import Foundation
public import TesseraDomain

/// Rewrites the http(s) links in a rendered message's body and fields to tracked links under
/// `baseURL` (`https://crm.brand.example/r/3f9c…`), answering the links to record.
///
/// `GET /r/{token}` records the click on the message and redirects to the original URL; the
/// original is looked up, never taken from the request, so the redirect cannot be abused to send
/// people elsewhere. Trailing sentence punctuation is left out of a link.
public struct LinkTracker: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    public func track(_ rendered: MessageTemplate.Rendered, messageKey: String) -> (
        MessageTemplate.Rendered, [JourneyLink]
    ) {
        var links: [JourneyLink] = []
        func rewrite(_ text: String) -> String {
            var output = ""
            var rest = Substring(text)
            while let match = rest.firstMatch(of: /https?:\/\/[^\s"'<>()\[\]]+/) {
                var url = match.output
                while let last = url.last, ".,;:!?".contains(last) { url = url.dropLast() }
                let position = links.count
                let token = Self.token(messageKey: messageKey, position: position)
                links.append(JourneyLink(token: token, messageKey: messageKey, position: position, url: String(url)))
                output += rest[rest.startIndex..<match.range.lowerBound] + "\(baseURL)/r/\(token)"
                rest = rest[url.endIndex...]
            }
            return output + rest
        }
        var tracked = rendered
        tracked.body = rewrite(rendered.body)
        for key in rendered.fields.keys.sorted() { tracked.fields[key] = rendered.fields[key].map(rewrite) }
        return (tracked, links)
    }

    /// 24 hex characters of SHA-256 over the message key and position: unguessable, and the same
    /// each time the step is decided.
    static func token(messageKey: String, position: Int) -> String {
        Hex.string(SHA256.hash(data: Data("\(messageKey)#\(position)".utf8)).prefix(12))
    }
}
