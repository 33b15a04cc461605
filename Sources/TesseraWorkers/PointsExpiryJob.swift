import Foundation
public import Logging
public import ServiceLifecycle
public import TesseraCore

/// Expires due points lots on a schedule (hourly by default) as a swift-service-lifecycle service.
///
/// Each pass is ``LoyaltyService/expireDue(at:pageSize:)``: paged, idempotent, safe to run in
/// several processes at once (each member's expiry locks their account). Operations on an account
/// also expire its due lots first, so the job only has to reach members who are not active.
public struct PointsExpiryJob: Service {
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
                let result = try await loyalty.expireDue(at: Date())
                if result.members > 0 {
                    logger.info(
                        "points expired", metadata: ["members": "\(result.members)", "points": "\(result.points)"])
                }
            } catch {
                logger.error("points expiry pass failed; retried next interval", metadata: ["error": "\(error)"])
            }
            // The wait ends at once on graceful shutdown, so stopping the server never waits an hour.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
