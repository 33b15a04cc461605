import Foundation
public import Logging
public import ServiceLifecycle
public import TesseraCore

/// The loyalty programme's calendar as a swift-service-lifecycle service: every `interval` (an
/// hour by default) it expires due points lots and coupons past their validity, and reviews the
/// tiers of members whose period ended.
///
/// Both passes are paged and idempotent and safe in several processes at once (each member's
/// change locks their account or tier row). Operations on an account also expire its due lots
/// first, and growth closes an ended period first, so the job only has to reach inactive members.
public struct LoyaltyScheduleJob: Service {
    let loyalty: LoyaltyService
    let interval: Duration
    let logger: Logger

    public init(loyalty: LoyaltyService, interval: Duration = .seconds(3_600), logger: Logger) {
        self.loyalty = loyalty
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let expired = try await loyalty.expireDue(at: Date())
                if expired.members > 0 {
                    logger.info(
                        "points expired", metadata: ["members": "\(expired.members)", "points": "\(expired.points)"])
                }
                let coupons = try await loyalty.store.expireCoupons(at: Date())
                if coupons > 0 { logger.info("coupons expired", metadata: ["coupons": "\(coupons)"]) }
                let reviewed = try await loyalty.reviewTiers(at: Date())
                if reviewed.members > 0 {
                    logger.info(
                        "tiers reviewed",
                        metadata: ["members": "\(reviewed.members)", "changes": "\(reviewed.changes)"])
                }
            } catch {
                logger.error("loyalty calendar pass failed; retried next interval", metadata: ["error": "\(error)"])
            }
            // The wait ends at once on graceful shutdown, so stopping the server never waits an hour.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
