public import Foundation
public import TesseraDomain

/// Points use cases over a ``PointsStore``: earning with the brand's expiry policy, redeeming,
/// adjusting, reading, and the expiry pass.
public struct LoyaltyService: Sendable {
    public let store: any PointsStore & EarningStore & CouponStore & StoredValueStore & BenefitStore & TenancyStore

    public init(store: any PointsStore & EarningStore & CouponStore & StoredValueStore & BenefitStore & TenancyStore) {
        self.store = store
    }

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

    /// Expires every lot due at `at` in every group, `pageSize` members at a time, each page applied
    /// together (memory stays bounded however many lots are due, and statements and commits are
    /// shared), skipping members that cannot be expired (merged or deleted meanwhile). Idempotent: a
    /// second pass finds nothing due. Returns the members touched and the points expired.
    public func expireDue(at: Date, pageSize: Int = 500) async throws -> (members: Int, points: Int64) {
        var members = 0
        var points: Int64 = 0
        for group in try await store.groupIDs() {
            // Stops when a page makes no progress: a member whose expiry replays an earlier key
            // keeps due lots, and must not be returned page after page forever.
            while true {
                let requests = try await store.membersWithDuePoints(group: group, at: at, limit: pageSize).map {
                    brand, member in
                    PointsRequest(
                        group: group, brand: brand, member: member, operation: .expire,
                        reason: "expired by the expiry job", source: PointsSource(type: "system"),
                        idempotencyKey: "expire:\(member):\(Timestamp.micros(at))", at: at)
                }
                var outcomes: [PointsOutcome] = []
                for result in await store.applyPoints(together: requests) {
                    do {
                        outcomes.append(try result.get())
                    } catch TesseraError.conflict, TesseraError.notFound {
                        continue  // merged away or deleted meanwhile: nothing of theirs to expire here
                    }
                }
                let progressed = outcomes.filter { !$0.replayed && !$0.entries.isEmpty }
                members += progressed.count
                points -= progressed.flatMap(\.entries).reduce(0) { $0 + $1.points }
                if progressed.isEmpty { break }
            }
        }
        return (members, points)
    }
}

extension LoyaltyService {
    /// Reviews the tier of every member whose tier period ended by `at`, `pageSize` at a time.
    /// Idempotent: a reviewed member's next period ends in the future. Returns the members
    /// reviewed and the tier changes made.
    public func reviewTiers(at: Date, pageSize: Int = 500) async throws -> (members: Int, changes: Int) {
        var members = 0
        var changes = 0
        while true {
            let due = try await store.membersDueForTierReview(at: at, limit: pageSize)
            for (group, brand, member) in due {
                changes += try await store.reviewTier(group: group, brand: brand, member: member, at: at).count
            }
            members += due.count
            if due.count < pageSize { break }
        }
        return (members, changes)
    }

    /// The member's standing in the brand, with the tier's name and the next rung from the
    /// brand's programme.
    public func standing(group: GroupID, brand: BrandID, member: MemberID) async throws -> LoyaltyStanding {
        var standing = try await store.loyaltyStanding(group: group, brand: brand, member: member)
        guard let tiers = try await store.loyaltyProgram(group: group, brand: brand).program.tiers else {
            return standing
        }
        let rank = standing.tier.map(tiers.rank(of:)) ?? 0
        standing.tierName = standing.tier.flatMap { code in tiers.levels.first { $0.code == code }?.name }
        if rank + 1 < tiers.levels.count {
            let next = tiers.levels[rank + 1]
            standing.nextTier = next.code
            standing.growthToNextTier = max(0, next.threshold - standing.periodGrowth)
        }
        return standing
    }
}

extension LoyaltyService {
    /// The member's loyalty in the brand at `at`, with points expiring within `window`.
    public func memberLoyalty(group: GroupID, brand: BrandID, member: MemberID, at: Date, window: TimeInterval)
        async throws -> MemberLoyalty
    {
        MemberLoyalty(
            brand: brand, standing: try await standing(group: group, brand: brand, member: member),
            points: try await summary(group: group, brand: brand, member: member, at: at, window: window),
            tierHistory: try await store.tierHistory(group: group, brand: brand, member: member, limit: 20),
            coupons: try await store.memberCoupons(group: group, brand: brand, member: member).filter {
                $0.status == .issued && $0.validUntil > at
            }, storedValue: try await store.storedValue(group: group, brand: brand, member: member),
            benefits: try await store.memberBenefits(group: group, brand: brand, member: member, at: at))
    }
}

extension LoyaltyService {
    /// Issues a coupon of `template` to `member` with a new random code (a code collision, one in
    /// 2⁶⁰ per pair, is retried with another code).
    public func issueCoupon(
        template: String, group: GroupID, brand: BrandID, member: MemberID, idempotencyKey: String, at: Date
    ) async throws -> (coupon: CouponRecord, replayed: Bool) {
        var random = SystemRandomNumberGenerator()
        for attempt in 1...3 {
            let code = CouponCode.canonical(CouponCode.make(using: &random)) ?? ""
            do {
                return try await store.issueCoupon(
                    template: template, group: group, brand: brand, member: member, code: code,
                    idempotencyKey: idempotencyKey, at: at)
            } catch TesseraError.conflict where attempt < 3 {
                continue
            }
        }
        throw TesseraError.unavailable("could not find a free coupon code")
    }
}
