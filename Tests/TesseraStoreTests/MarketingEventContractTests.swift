import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Journeys started by marketing events on both stores: an expiring coupon, expiring points, a
/// birthday, a segment entered and a carted product's price drop each enter their member once,
/// however often the events are emitted and scanned.
@Suite("Marketing-event entries on SQLite and PostgreSQL")
struct MarketingEventContractTests {
    @Test(arguments: Backend.allCases)
    func marketingEventsEnterTheirJourneysOnce(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let store = tenant.store
        let now = Date()
        let segments = SegmentService(store: store)
        let timeZone = try await segments.context(group: group, brand: brand, at: now).timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.dateComponents([.month, .day], from: now)
        let birthday = String(format: "1990-%02d-%02d", today.month ?? 1, today.day ?? 1)

        // Ann: a coupon ending in 5 days, points ending in 5 days, a birthday today, a carted tea.
        var ann = try message("ann", ["external:ann"], name: "Viewed", at: now.timeIntervalSince1970)
        ann.brandID = brand
        ann.profile = ProfilePatch(birthday: birthday)
        var cart = try message(
            "cart", ["external:ann"], name: CartChange.addedEvent, at: now.timeIntervalSince1970)
        cart.brandID = brand
        cart.cart = CartChange(
            item: OrderItem(sku: "TEA", name: "Tea", quantity: 1, unitPriceMinor: 10_000), quantityDelta: 1,
            currency: "CNY")
        var bob = try message("bob", ["external:bob"], name: "Viewed", at: now.timeIntervalSince1970)
        bob.brandID = brand
        try await tenant.send([ann, cart, bob])
        let annID = try #require(try await tenant.member("external:ann")).id
        let coupon = try await store.createCouponTemplate(
            CouponTemplate(name: "¥5", benefit: .amountOff(500), validity: .daysFromIssue(5)), group: group,
            brand: brand,
            at: now)
        let loyalty = LoyaltyService(store: store)
        _ = try await loyalty.issueCoupon(
            template: coupon, group: group, brand: brand, member: annID, idempotencyKey: "c", at: now)
        _ = try await loyalty.earn(
            300, group: group, brand: brand, member: annID, expiresAt: now.addingTimeInterval(5 * 86_400),
            reason: "gift", source: PointsSource(type: "operator"), idempotencyKey: "p", at: now)
        let viewers = try await segments.create(
            name: "Buyers", kind: .dynamic, rule: .event(EventCondition(EventMatcher(name: "Bought"))), group: group,
            brand: brand, at: now)

        let journeys = JourneyService(store: store, segments: segments)
        try await store.saveMessageTemplate(
            MessageTemplate(name: "note", body: "Hello"), group: group, brand: brand, at: now)
        let entries = [
            "coupon": #"{"couponExpiring": {"daysBefore": 7}}"#,
            "points": #"{"pointsExpiring": {"daysBefore": 7}}"#,
            "birthday": #"{"birthday": {"daysBefore": 0}}"#,
            "joined": #"{"segmentEntered": "\#(viewers.id)"}"#,
            "cheaper": #"{"priceDrop": {"percent": 20}}"#,
            "much_cheaper": #"{"priceDrop": {"percent": 50}}"#,
        ]
        var ids: [String: String] = [:]
        for (name, entry) in entries {
            let draft = try JSONParser.parse(
                Array(
                    #"{"entry": \#(entry), "start": "s", "nodes": {"s": {"send": {"channel": "log", "template": "note", "next": "e"}}, "e": {"exit": {}}}}"#
                        .utf8))
            let saved = try await journeys.save(name: name, draft: draft, group: group, brand: brand, at: now)
            _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: now)
            ids[name] = saved.record.id
        }
        // Bob starts buying: he enters the dynamic segment.
        var bought = try message("bought", ["external:bob"], name: "Bought", at: now.timeIntervalSince1970)
        bought.brandID = brand
        try await tenant.send([bought])
        _ = try await segments.refresh(id: viewers.id, group: group, brand: brand, at: now)
        // The tea drops 25 %: enough for the 20 % journey, not for the 50 % one.
        #expect(try await store.recordPrices([("TEA", 7_500)], group: group, brand: brand, at: now) == 1)
        #expect(try await store.recordPrices([("TEA", 7_500)], group: group, brand: brand, at: now) == 0)

        let later = now.addingTimeInterval(1)
        for _ in 0..<2 {
            try await journeys.emitMarketingEvents(at: later, group: group)
            try await journeys.enterOnDomainEvents(at: later, group: group)
            while try await journeys.runDue(at: later, group: group) > 0 {}
        }
        #expect(try await journeys.emitMarketingEvents(at: later, group: group) == 0)
        var delivered: [String: Int64] = [:]
        for (name, id) in ids {
            let statistics = try await store.journeyStatistics(group: group, journeyID: id)
            delivered[name] = statistics.messages["s"]?["delivered"] ?? 0
        }
        #expect(
            delivered == ["coupon": 1, "points": 1, "birthday": 1, "joined": 1, "cheaper": 1, "much_cheaper": 0])
        let joined = try await store.journeyMessages(
            group: group, journeyID: try #require(ids["joined"]), status: nil, reason: nil, limit: 5)
        #expect(joined.map(\.member) == [try #require(try await tenant.member("external:bob")).id])
    }
}
