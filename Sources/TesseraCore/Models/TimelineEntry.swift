public import Foundation
public import TesseraDomain

/// One line of a member's timeline: an event or an order, newest first.
public struct TimelineEntry: Sendable, Hashable, Codable {
    /// `event` or `order`.
    public var source: String
    public var id: String
    public var occurredAt: Date
    /// Event kind (`track`, `identify`…) or order status.
    public var type: String
    /// Event name, or the order's external id.
    public var name: String?
    public var channel: String
    /// Event properties, or an order summary (amounts in minor units, items).
    public var details: JSONValue

    public init(
        source: String, id: String, occurredAt: Date, type: String, name: String?, channel: String, details: JSONValue
    ) {
        self.source = source
        self.id = id
        self.occurredAt = occurredAt
        self.type = type
        self.name = name
        self.channel = channel
        self.details = details
    }
}

/// A page of the timeline and the cursor of the next page, if any.
public struct TimelinePage: Sendable, Hashable, Codable {
    public var entries: [TimelineEntry]
    public var nextCursor: String?
    public init(entries: [TimelineEntry], nextCursor: String?) {
        self.entries = entries
        self.nextCursor = nextCursor
    }
}

/// Position in a timeline: strictly older than (`occurredAt`, `id`). Opaque to clients.
public struct TimelineCursor: Sendable, Hashable {
    public var occurredAtMicros: Int64
    public var id: String

    public init(occurredAtMicros: Int64, id: String) {
        self.occurredAtMicros = occurredAtMicros
        self.id = id
    }

    public var token: String {
        Data("\(occurredAtMicros)|\(id)".utf8).base64EncodedString()
    }

    public init(token: String) throws(TesseraError) {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|"), let micros = Int64(text[..<bar])
        else { throw .invalid(field: "cursor", reason: "not a cursor returned by this API") }
        self.occurredAtMicros = micros
        self.id = String(text[text.index(after: bar)...])
    }
}
