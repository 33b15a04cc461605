public import Foundation

/// How far behind the projector is for one group: what is accepted but not yet in the member store.
public struct IngestLogStatus: Sendable, Hashable, Codable {
    /// Entries (requests) waiting to be projected, including ones being projected right now.
    public var pendingEntries: Int
    /// Messages in those entries.
    public var pendingMessages: Int
    /// Entries that failed ``IngestLog/maximumAttempts`` times and are no longer retried.
    public var failedEntries: Int
    /// When the oldest pending entry was accepted.
    public var oldestPendingAt: Date?
    /// The last error of a failed or retried entry, to say what went wrong.
    public var lastError: String?

    public init(
        pendingEntries: Int, pendingMessages: Int, failedEntries: Int, oldestPendingAt: Date?, lastError: String?
    ) {
        self.pendingEntries = pendingEntries
        self.pendingMessages = pendingMessages
        self.failedEntries = failedEntries
        self.oldestPendingAt = oldestPendingAt
        self.lastError = lastError
    }
}
