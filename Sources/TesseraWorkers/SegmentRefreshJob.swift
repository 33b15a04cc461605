import Foundation
public import Logging
public import ServiceLifecycle
public import TesseraCore

/// Recomputes every dynamic segment every `interval` (15 minutes by default): membership that time
/// alone changes ("no purchase in the last 30 days", "birthday in the next 7 days") and anything the
/// real-time path missed. Each refresh is one transaction that emits `segment.entered` /
/// `segment.exited` only for real changes, so running it in several processes is harmless.
public struct SegmentRefreshJob: Service {
    let segments: SegmentService
    let store: any TesseraStore
    let interval: Duration
    let logger: Logger

    public init(segments: SegmentService, store: any TesseraStore, interval: Duration = .seconds(900), logger: Logger) {
        self.segments = segments
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                let refreshed = try await segments.refreshAll(groups: try await store.groupIDs()) { group in
                    try await store.brands(group: group).map(\.id)
                }
                if refreshed > 0 { logger.debug("dynamic segments refreshed", metadata: ["segments": "\(refreshed)"]) }
            } catch {
                logger.error("segment refresh failed; retried next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
