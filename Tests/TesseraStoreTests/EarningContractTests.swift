import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Automatic earning on both databases: orders and events queued by the ingest path earn points
/// and growth, refunds claw back exactly the difference, holding periods keep points pending, tiers
/// move, and every change is in the event stream.
@Suite("Earning contract")
struct EarningContractTests {
    static let program = LoyaltyProgram(
        earn: EarnRules(
            amount: [
                AmountRule(earn: 2, perMinor: 100, categories: ["skincare"]), AmountRule(earn: 1, perMinor: 100),
            ], events: [EventRule(event: "check_in", earn: 5, perDay: 1)], perDayCap: 100_000),
        growth: RateRules(amount: [AmountRule(earn: 1, perMinor: 100)], events: [EventRule(event: "review", earn: 50)]),
        tiers: TierRules(
            levels: [
                TierLevel(code: "member", threshold: 0),
                TierLevel(code: "silver", threshold: 300, pointsMultiplierPercent: 150),
            ], graceDays: 0))

    struct Shop {
        let tenant: Tenant
        let member: MemberID
        let identifier: String
        var group: GroupID { tenant.principal.groupID }
        var brand: BrandID { tenant.principal.brandID }
        var store: SQLTesseraStore { tenant.store }

        static func open(_ backend: Backend, program: LoyaltyProgram = EarningContractTests.program) async throws
            -> Shop
        {
            let tenant = try await Tenant.make(try await backend.makeStore())
            _ = try await tenant.store.setLoyaltyProgram(
                program, group: tenant.principal.groupID, brand: tenant.principal.brandID, at: Date())
            let identifier = "external:shopper-\(UUID().uuidString)"
            return Shop(tenant: tenant, member: try await tenant.newMember(identifier), identifier: identifier)
        }

        /// Sends the order `id` in its current state.
        func order(_ id: String, status: OrderStatus, paid: Int64, refunded: Int64 = 0, at: Date = Date()) async throws
        {
            let order = OrderInput(
                externalID: id, channel: "pos", status: status, currency: "CNY", totalMinor: paid, paidMinor: paid,
                refundedMinor: refunded,
                items: [
                    OrderItem(sku: "serum", category: "skincare", quantity: 1, unitPriceMinor: 10_000),
                    OrderItem(sku: "tote", category: "bags", quantity: 1, unitPriceMinor: 10_000),
                ], occurredAt: at)
            try await send([
                try message(
                    "order-\(id)-\(status.rawValue)-\(refunded)", [identifier], kind: .order, name: nil,
                    at: at.timeIntervalSince1970, order: order)
            ])
        }

        /// Ingests `messages` as the brand's API would (the mappers stamp the key's brand).
        func send(_ messages: [IngestMessage]) async throws {
            try await tenant.send(
                messages.map { message in
                    var branded = message
                    branded.brandID = brand
                    return branded
                })
        }

        /// Processes this group's due queue items at `at`; returns their results.
        @discardableResult
        func work(at: Date = Date()) async throws -> [EarningResult] {
            var results: [EarningResult] = []
            for item in try await store.dueEarnings(at: at, limit: 100_000) where item.group == group {
                results.append(try await store.processEarning(item, at: at))
            }
            return results
        }

        func points() async throws -> PointsAccount {
            try await store.pointsAccount(group: group, brand: brand, member: member)
        }

        func standing() async throws -> LoyaltyStanding {
            try await store.loyaltyStanding(group: group, brand: brand, member: member)
        }

        /// Names of the loyalty events in the stream for the member, oldest first.
        func domainEvents() async throws -> [String] {
            try await store.driver.run(
                QueryProgram(
                    SQLStatement(
                        "SELECT name FROM events WHERE group_id = ? AND member_id = ? AND kind = 'loyalty' ORDER BY occurred_at, id",
                        [.text(group.rawValue), .text(member.rawValue)]),
                    map: { rows in rows.map { $0.text(0) ?? "" } }), writes: false)
        }

        /// Σ entries per member equals the account balance and debt.
        func audit() async throws -> Bool {
            try await store.driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT count(*) FROM points_accounts a WHERE a.group_id = ? AND (a.balance <> \
                        (SELECT coalesce(sum(e.points), 0) FROM points_entries e WHERE e.group_id = a.group_id \
                        AND e.brand_id = a.brand_id AND e.member_id = a.member_id) OR a.debt <> \
                        (SELECT coalesce(sum(e.debt), 0) FROM points_entries e WHERE e.group_id = a.group_id \
                        AND e.brand_id = a.brand_id AND e.member_id = a.member_id))
                        """, [.text(group.rawValue)]),
                    map: { $0.first?.int(0) == 0 }), writes: false)
        }
    }

    @Test(arguments: Backend.allCases)
    func ordersEarnAndRefundsClawBackTheDifference(backend: Backend) async throws {
        let shop = try await Shop.open(backend)
        // ¥200: skincare ¥100 × 2 + bags ¥100 × 1 = 300 points; growth 200.
        try await shop.order("A", status: .paid, paid: 20_000)
        let first = try await shop.work()
        #expect(first.map(\.points) == [300] && first.map(\.growth) == [200])
        #expect(try await shop.points().balance == 300)
        #expect(try await shop.standing().tier == "member")

        // ¥150 more (earned at the member rate) crosses 300 growth: silver at once.
        try await shop.order("B", status: .paid, paid: 15_000)
        let second = try await shop.work()
        #expect(second.map(\.points) == [225])
        #expect(second.first?.tierChanges.map(\.to) == ["silver"])
        #expect(try await shop.standing().periodGrowth == 350)

        // Half of A refunded: A now earns 150; 150 clawed back, growth −100; the tier stays.
        try await shop.order("A", status: .partiallyRefunded, paid: 20_000, refunded: 10_000)
        #expect(try await shop.work().map(\.points) == [-150])
        #expect(try await shop.points().balance == 375)
        let standing = try await shop.standing()
        #expect(standing.tier == "silver" && standing.periodGrowth == 250)

        // The same refund again changes nothing; nothing is even queued.
        try await shop.order("A", status: .partiallyRefunded, paid: 20_000, refunded: 10_000)
        #expect(try await shop.work().allSatisfy { $0.points == 0 && $0.growth == 0 })

        // Spend most, then refund the rest of A: 150 is clawed back, 125 of it as debt.
        _ = try await shop.store.applyPoints(
            PointsRequest(
                group: shop.group, brand: shop.brand, member: shop.member, operation: .debit(350, kind: .redeem),
                reason: "gift", source: PointsSource(type: "operator"), idempotencyKey: "spend", at: Date()))
        try await shop.order("A", status: .refunded, paid: 20_000, refunded: 20_000)
        #expect(try await shop.work().map(\.points) == [-150])
        let account = try await shop.points()
        #expect(account.balance == 0 && account.debt == 125)
        #expect(try await shop.audit())

        let events = try await shop.domainEvents()
        #expect(events.filter { $0 == "points.earned" }.count == 2)
        #expect(events.filter { $0 == "points.clawed_back" }.count == 2)
        #expect(
            events.contains("tier.changed") && events.contains("growth.changed") && events.contains("points.redeemed"))
        let history = try await shop.store.tierHistory(
            group: shop.group, brand: shop.brand, member: shop.member, limit: 10)
        #expect(history.map(\.to) == ["silver", "member"] && history.map(\.reason) == ["upgrade", "joined"])
    }

    @Test(arguments: Backend.allCases)
    func heldPointsArePendingUntilTheHoldingPeriodEnds(backend: Backend) async throws {
        var program = Self.program
        program.earn.holdingDays = 7
        let shop = try await Shop.open(backend, program: program)
        let now = Date()
        try await shop.order("H", status: .paid, paid: 20_000, at: now)
        let held = try await shop.work()
        #expect(held.map(\.pending) == [300] && held.map(\.points) == [0])
        #expect(try await shop.standing().pendingPoints == 300)
        #expect(try await shop.points().balance == 0)
        // Not due before the period ends.
        #expect(try await shop.work(at: now + 6 * 86_400).isEmpty)
        let released = try await shop.work(at: now + 7 * 86_400 + 1)
        #expect(released.map(\.points) == [300] && released.map(\.pending) == [0])
        #expect(try await shop.points().balance == 300)
        #expect(try await shop.standing().pendingPoints == 0)

        // Returned within the holding period: nothing is ever credited, nothing clawed back.
        try await shop.order("R", status: .paid, paid: 10_000, at: now)
        try await shop.work()
        try await shop.order("R", status: .refunded, paid: 10_000, refunded: 10_000, at: now + 3_600)
        try await shop.work(at: now + 3_600)
        #expect(try await shop.standing().pendingPoints == 0)
        try await shop.work(at: now + 8 * 86_400)
        #expect(try await shop.points().balance == 300)
        #expect(try await shop.audit())
    }

    @Test(arguments: Backend.allCases)
    func eventsEarnOncePerDayAndTiersAreReviewed(backend: Backend) async throws {
        let shop = try await Shop.open(backend)
        let now = Date()
        try await shop.send([
            try message("c1", [shop.identifier], name: "check_in", at: now.timeIntervalSince1970),
            try message("c2", [shop.identifier], name: "check_in", at: now.timeIntervalSince1970 + 1),
            try message("r1", [shop.identifier], name: "review", at: now.timeIntervalSince1970 + 2),
            try message("v1", [shop.identifier], name: "Viewed", at: now.timeIntervalSince1970 + 3),
        ])
        let results = try await shop.work(at: now + 10)
        #expect(results.count == 3)  // "Viewed" earns nothing and was never queued
        #expect(results.map(\.points).sorted() == [0, 0, 5])
        #expect(try await shop.standing().growth == 50)

        // 300 growth → silver; two years with nothing earned → back to member, reviewed once each
        // period and idempotently.
        try await shop.order("S", status: .paid, paid: 25_000)
        try await shop.work()
        #expect(try await shop.standing().tier == "silver")
        let later = now + 800 * 86_400
        let due = try await shop.store.membersDueForTierReview(at: later, limit: 100_000).filter { $0.0 == shop.group }
        #expect(due.count == 1)
        let changes = try await shop.store.reviewTier(
            group: shop.group, brand: shop.brand, member: shop.member, at: later)
        #expect(changes.map(\.to) == ["member"] && changes.map(\.reason) == ["downgrade"])
        #expect(
            try await shop.store.reviewTier(group: shop.group, brand: shop.brand, member: shop.member, at: later)
                .isEmpty)
    }

    /// Merging two members moves the merged one's points (lots with their expiry, debt), growth and
    /// tier to the survivor; a later refund of the merged member's order claws back from the survivor.
    @Test(arguments: Backend.allCases)
    func mergingMovesPointsGrowthAndTierToTheSurvivor(backend: Backend) async throws {
        let shop = try await Shop.open(backend)
        let otherIdentifier = "external:twin-\(UUID().uuidString)"
        let other = try await shop.tenant.newMember(otherIdentifier)
        let twin = Shop(tenant: shop.tenant, member: other, identifier: otherIdentifier)
        try await shop.order("M1", status: .paid, paid: 10_000)  // 150 points, 100 growth
        try await twin.order("T1", status: .paid, paid: 30_000)  // 450 points, 300 growth → silver
        try await shop.work()
        #expect(try await twin.standing().tier == "silver")

        _ = try await shop.store.merge(
            group: shop.group, survivor: shop.member, merged: twin.member, actor: "test", reason: "same person",
            id: UUID().uuidString,
            at: Date())
        let moved = try await shop.work()
        #expect(moved.map(\.points) == [450])
        #expect(try await shop.points().balance == 600)
        #expect(try await twin.points().balance == 0)
        let standing = try await shop.standing()
        #expect(standing.tier == "silver" && standing.growth == 400 && standing.periodGrowth == 400)
        #expect(try await shop.audit())

        // The merged member's ledgers refuse writes, naming the survivor, and create no account.
        let merged = TesseraError.conflict("member \(twin.member) was merged into \(shop.member); use \(shop.member)")
        await #expect(throws: merged) {
            try await shop.store.applyPoints(
                PointsRequest(
                    group: shop.group, brand: shop.brand, member: twin.member,
                    operation: .credit(5, kind: .adjust, expiresAt: nil), reason: "late",
                    source: PointsSource(type: "operator"),
                    idempotencyKey: "late", at: Date()))
        }
        await #expect(throws: merged) {
            try await shop.store.applyStoredValue(
                StoredValueRequest(
                    group: shop.group, brand: shop.brand, member: twin.member, action: .topUp(principal: 100, bonus: 0),
                    reason: "late", source: PointsSource(type: "operator"), idempotencyKey: "late", at: Date()))
        }
        #expect(
            try await shop.store.storedValue(group: shop.group, brand: shop.brand, member: twin.member).balance == 0)

        // T1 refunded after the merge: the survivor gives back its 450 points and 300 growth.
        try await twin.order("T1", status: .refunded, paid: 30_000, refunded: 30_000)
        #expect(try await shop.work().map(\.points) == [-450])
        #expect(try await shop.points().balance == 150)
        #expect(try await shop.standing().growth == 100)
        #expect(try await shop.audit())
        let growthSums = try await shop.store.driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT count(*) FROM loyalty_members l WHERE l.group_id = ? AND l.growth <> (SELECT \
                    coalesce(sum(e.growth), 0) FROM growth_entries e WHERE e.group_id = l.group_id \
                    AND e.brand_id = l.brand_id AND e.member_id = l.member_id)
                    """, [.text(shop.group.rawValue)]),
                map: { $0.first?.int(0) ?? -1 }), writes: false)
        #expect(growthSums == 0, "growth entries do not sum to the members' growth")
    }
}
