import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Carts and follow statuses are projected from ingested events and orders on both stores, in the
/// transaction that writes them, whatever order the events arrive in, and follow merges and undos.
@Suite("Carts and follow statuses on SQLite and PostgreSQL")
struct CartsAndFollowsContractTests {
    private static func cartEvent(
        _ key: String, _ identifier: String, added: Bool, sku: String, quantity: Int64, price: Int64, at: TimeInterval,
        brand: BrandID
    ) throws -> IngestMessage {
        var message = try message(
            key, [identifier], name: added ? CartChange.addedEvent : CartChange.removedEvent, at: at)
        message.brandID = brand
        message.cart = CartChange(
            item: OrderItem(sku: sku, name: "Product \(sku)", quantity: Int(quantity), unitPriceMinor: price),
            quantityDelta: added ? quantity : -quantity, currency: "CNY")
        return message
    }

    private static func event(_ key: String, _ identifier: String, _ name: String, at: TimeInterval, brand: BrandID)
        throws -> IngestMessage
    {
        var message = try message(key, [identifier], name: name, at: at)
        message.brandID = brand
        return message
    }

    /// "sku×quantity@price" per line, and the follow status.
    private static func state(_ tenant: Tenant, _ identifier: String) async throws -> (cart: [String], follow: String?)
    {
        let id = try #require(try await tenant.member(identifier)?.id)
        var needs = SegmentRule.Needs()
        needs.cart = true
        needs.account = true
        let facts = try #require(
            try await tenant.store.memberFacts(
                group: tenant.principal.groupID, brand: tenant.principal.brandID, member: id, needs: needs))
        return (facts.cart.map { "\($0.sku)×\($0.quantity)@\($0.unitPriceMinor)" }, facts.texts[.followStatus])
    }

    @Test(arguments: Backend.allCases)
    func cartsFollowAddsRemovalsAndCheckouts(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let brand = tenant.principal.brandID
        let who = "phone:13900000001"
        try await tenant.send([
            try Self.cartEvent("a1", who, added: true, sku: "A", quantity: 2, price: 1_000, at: 100, brand: brand),
            try Self.cartEvent("b1", who, added: true, sku: "B", quantity: 1, price: 500, at: 110, brand: brand),
        ])
        // A later price wins; a removal arriving before the add it follows still counts.
        try await tenant.send([
            try Self.cartEvent("b2", who, added: false, sku: "B", quantity: 1, price: 500, at: 130, brand: brand)
        ])
        try await tenant.send([
            try Self.cartEvent("a2", who, added: true, sku: "A", quantity: 1, price: 900, at: 120, brand: brand),
            try Self.cartEvent("c1", who, added: true, sku: "C", quantity: 3, price: 200, at: 125, brand: brand),
        ])
        #expect(try await Self.state(tenant, who).cart == ["A×3@900", "C×3@200"])
        // Replaying a batch changes nothing.
        try await tenant.send([
            try Self.cartEvent("a2", who, added: true, sku: "A", quantity: 1, price: 900, at: 120, brand: brand)
        ])
        #expect(try await Self.state(tenant, who).cart == ["A×3@900", "C×3@200"])

        // Buying A checks A out and leaves C; adding A again afterwards starts a new line.
        var paid = try message(
            "o1", [who], kind: .order, at: 200,
            order: OrderInput(
                externalID: "o1", channel: "web", status: .paid, currency: "CNY", totalMinor: 2_700, paidMinor: 2_700,
                items: [OrderItem(sku: "A", quantity: 3, unitPriceMinor: 900)],
                occurredAt: Date(timeIntervalSince1970: 200)))
        paid.brandID = brand
        try await tenant.send([paid])
        #expect(try await Self.state(tenant, who).cart == ["C×3@200"])
        try await tenant.send([
            try Self.cartEvent("a3", who, added: true, sku: "A", quantity: 1, price: 950, at: 300, brand: brand)
        ])
        #expect(try await Self.state(tenant, who).cart == ["A×1@950", "C×3@200"])

        // An order without lines checks the whole cart out.
        var bare = try message(
            "o2", [who], kind: .order, at: 400,
            order: OrderInput(
                externalID: "o2", channel: "pos", status: .paid, currency: "CNY", totalMinor: 100, paidMinor: 100,
                occurredAt: Date(timeIntervalSince1970: 400)))
        bare.brandID = brand
        try await tenant.send([bare])
        #expect(try await Self.state(tenant, who).cart.isEmpty)

        // The segment SQL reads the same projection.
        let context = EvaluationContext(now: Timestamp.micros(Date(timeIntervalSince1970: 500)), timeZone: .gmt)
        try await tenant.send([
            try Self.cartEvent("d1", who, added: true, sku: "D", quantity: 2, price: 300, at: 450, brand: brand)
        ])
        let carted = SegmentRule.compare(FieldComparison(.field(.cartValue), .number(NumberTest(.equal, 600))))
        #expect(
            try await tenant.store.countMembers(
                matching: carted, group: tenant.principal.groupID, brand: brand, context: context) == 1)
    }

    @Test(arguments: Backend.allCases)
    func followStatusIsTheLatestEventWhateverItsArrival(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let brand = tenant.principal.brandID
        let who = "openid:oa:o-follower"
        try await tenant.send([try Self.event("u1", who, FollowStatus.unfollowEvent, at: 200, brand: brand)])
        try await tenant.send([try Self.event("f1", who, FollowStatus.followEvent, at: 100, brand: brand)])
        #expect(try await Self.state(tenant, who).follow == "unfollowed")
        try await tenant.send([try Self.event("f2", who, FollowStatus.followEvent, at: 300, brand: brand)])
        #expect(try await Self.state(tenant, who).follow == "following")
        // At the same instant, unfollow wins.
        try await tenant.send([try Self.event("u2", who, FollowStatus.unfollowEvent, at: 300, brand: brand)])
        #expect(try await Self.state(tenant, who).follow == "unfollowed")
        let never = "openid:oa:o-never"
        try await tenant.send([try Self.event("v1", never, "Viewed", at: 100, brand: brand)])
        #expect(try await Self.state(tenant, never).follow == nil)
    }

    @Test(arguments: Backend.allCases)
    func mergesAndUndosMoveCartsAndFollows(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let brand = tenant.principal.brandID
        try await tenant.send([
            try Self.event("f", "external:keep", FollowStatus.followEvent, at: 100, brand: brand),
            try Self.cartEvent(
                "a", "external:gone", added: true, sku: "A", quantity: 1, price: 100, at: 110, brand: brand),
        ])
        let survivor = try #require(try await tenant.member("external:keep")).id
        let merged = try #require(try await tenant.member("external:gone")).id
        _ = try await tenant.store.merge(
            group: tenant.principal.groupID, survivor: survivor, merged: merged, actor: "test", reason: "same person",
            id: "m1", at: Date())
        let together = try await Self.state(tenant, "external:keep")
        #expect(together.cart == ["A×1@100"] && together.follow == "following")
        _ = try await tenant.store.undoMerge(group: tenant.principal.groupID, id: "m1", at: Date())
        let apart = try await Self.state(tenant, "external:keep")
        #expect(apart.cart.isEmpty && apart.follow == "following")
        let restored = try await Self.state(tenant, "external:gone")
        #expect(restored.cart == ["A×1@100"] && restored.follow == nil)
    }
}
