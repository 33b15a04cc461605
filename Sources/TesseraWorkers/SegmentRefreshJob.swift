import Foundation
public import Logging
public import ServiceLifecycle
public import TesseraCore
import TesseraDomain

/// Recomputes scheduled RFM once a day, then rescores every member and recomputes every dynamic
/// segment every `interval` (15 minutes by default): what time alone changes (decaying scores, "no purchase in the last 30 days", "birthday
/// in the next 7 days") and anything the real-time path missed. Stage moves and segment changes are
/// compare-and-set writes that emit `lifecycle.changed`, `segment.entered` / `segment.exited` only
/// for real changes, so running it in several processes is harmless.
public struct SegmentRefreshJob: Service {
    let derived: DerivedStateService
    let rfm: RFMService
    let store: any TesseraStore
    let interval: Duration
    let logger: Logger

    public init(
        derived: DerivedStateService, store: any TesseraStore, interval: Duration = .seconds(900), logger: Logger
    ) {
        self.derived = derived
        self.rfm = RFMService(store: store)
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                let groups = try await store.groupIDs()
                let brands: (GroupID) async throws -> [BrandID] = { try await store.brands(group: $0).map(\.id) }
                let ran = try await rfm.runDue(groups: groups, brands: brands)
                if !ran.isEmpty { logger.info("scheduled RFM recomputed", metadata: ["brands": "\(ran.count)"]) }
                let changed = try await derived.recomputeAll(groups: groups, brands: brands)
                logger.debug("scores, stages and segments refreshed", metadata: ["rescored": "\(changed)"])
            } catch {
                logger.error("segment refresh failed; retried next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
