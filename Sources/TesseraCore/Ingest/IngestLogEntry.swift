public import Foundation
public import TesseraDomain

/// One accepted ingest request, kept durably in the ``IngestLog`` until the ``IngestProjector``
/// has written its messages into the member store.
///
/// The body is kept as it arrived (after gzip), not re-encoded: accepting a batch costs one row,
/// and the projector maps it again with the same mapper that validated it.
public struct IngestLogEntry: Sendable, Hashable {
    /// Position in the log; the projector works through entries in this order.
    public var sequence: Int64
    public var groupID: GroupID
    /// The brand of the key that sent it; messages without a brand of their own belong to it.
    public var brandID: BrandID
    /// Which mapper reads `body`: `segment` for `/v1/batch`, `segment:track` for `/v1/track`, …
    public var source: String
    public var receivedAt: Date
    /// The request body (JSON).
    public var body: String
    /// Valid messages in the body, for sizing projector batches and reporting lag.
    public var messageCount: Int
    /// Times a projector has taken this entry; more than one means an earlier attempt failed.
    public var attempts: Int

    public init(
        sequence: Int64 = 0, groupID: GroupID, brandID: BrandID, source: String, receivedAt: Date, body: String,
        messageCount: Int, attempts: Int = 0
    ) {
        self.sequence = sequence
        self.groupID = groupID
        self.brandID = brandID
        self.source = source
        self.receivedAt = receivedAt
        self.body = body
        self.messageCount = messageCount
        self.attempts = attempts
    }
}
