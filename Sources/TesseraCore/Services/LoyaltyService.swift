public import Foundation
public import TesseraDomain

/// Points use cases over a ``PointsStore``: earning with the brand's expiry policy, redeeming,
/// adjusting, reading, and the expiry pass.
public struct LoyaltyService: Sendable {
    let store: any PointsStore & TenancyStore

    public init(store: any PointsStore & TenancyStore) { self.store = store }

    /// Credits `points` earned at `at`; they expire as the brand's programme says unless
    /// `expiresAt` is given.
    public func earn(
        _ points: Int64, group: GroupID, brand: BrandID, member: MemberID, kind: PointsEntryKind = .earn,
        expiresAt: Date? = nil, reason: String, source: PointsSource, idempotencyKey: String, at: Date
    ) async throws -> PointsOutcome {
        let program = try await store.loyaltyProgram(group: group, brand: brand).program
        let expiry = try expiresAt ?? program.pointsExpiry(earnedAt: at)
        return try await store.applyPoints(
            PointsRequest(
                group: group, brand: brand, member: member, operation: .credit(points, kind: kind, expiresAt: expiry),
                reason: reason, source: source, idempotencyKey: idempotencyKey, at: at))
    }

    /// Runs one operation as given (debits, claw-backs, expiry).
    public func apply(_ request: PointsRequest) async throws -> PointsOutcome {
        try await store.applyPoints(request)
    }

    /// The member's points now, with what expires within `window`.
    public func summary(group: GroupID, brand: BrandID, member: MemberID, at: Date, window: TimeInterval)
        async throws -> PointsSummary
    {
        let account = try await store.pointsAccount(group: group, brand: brand, member: member)
        return PointsSummary(account: account, at: at, expiringUntil: at + window)
    }

    /// Expires every lot due at `at` in every group, `pageSize` members at a time (memory stays
    /// bounded however many lots are due). Idempotent: a second pass finds nothing due. Returns
    /// the members touched and the points expired.
    public func expireDue(at: Date, pageSize: Int = 500) async throws -> (members: Int, points: Int64) {
        var members = 0
        var points: Int64 = 0
        for group in try await store.groupIDs() {
            // Stops when a page makes no progress: a member whose expiry replays an earlier key
            // keeps due lots, and must not be returned page after page forever.
            while true {
                let due = try await store.membersWithDuePoints(group: group, at: at, limit: pageSize)
                var progressed = false
                for (brand, member) in due {
                    let outcome: PointsOutcome
                    do {
                        outcome = try await store.applyPoints(
                            PointsRequest(
                                group: group, brand: brand, member: member, operation: .expire,
                                reason: "expired by the expiry job", source: PointsSource(type: "system"),
                                idempotencyKey: "expire:\(member):\(Timestamp.micros(at))", at: at))
                    } catch TesseraError.conflict, TesseraError.notFound {
                        continue  // merged away or deleted meanwhile: nothing of theirs to expire here
                    }
                    guard !outcome.replayed, !outcome.entries.isEmpty else { continue }
                    progressed = true
                    members += 1
                    points -= outcome.entries.reduce(0) { $0 + $1.points }
                }
                if !progressed { break }
            }
        }
        return (members, points)
    }
}
