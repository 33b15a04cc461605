public import TesseraCore

/// Hands a queued message to the outside world. Implementations never throw: every failure is an
/// outcome (retry later, or reject for good) that the dispatcher records on the message.
public protocol MessageChannel: Sendable {
    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome
}
