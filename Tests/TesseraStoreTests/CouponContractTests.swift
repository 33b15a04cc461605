import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Coupons on both databases: stock and per-member limits hold under concurrency, a code is
/// redeemed exactly once, every refusal has its reason and changes nothing, refunds and the expiry
/// pass move coupons on.
@Suite("Coupon contract")
struct CouponContractTests {
    static let cart = CouponCart(
        channel: "pos", items: [OrderItem(sku: "serum", category: "skincare", quantity: 1, unitPriceMinor: 25_000)])

    static func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch TesseraError.rejected(let code, _, _) {
            return code
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: Backend.allCases)
    func stockAndMemberLimitsHoldUnderConcurrentIssue(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        let loyalty = LoyaltyService(store: shop.store)
        let template = try await shop.store.createCouponTemplate(
            CouponTemplate(
                name: "¥20", benefit: .amountOff(2_000), validity: .daysFromIssue(30), stock: 5, perMemberLimit: 2),
            group: shop.group, brand: shop.brand, at: Date())
        var members = [shop.member]
        for index in 0..<5 {
            members.append(try await shop.tenant.newMember("external:c\(index)-\(UUID().uuidString)"))
        }
        // 12 concurrent issues over 6 members, 2 each: the stock of 5 holds.
        let outcomes = await withTaskGroup(of: String.self) { group in
            for (index, member) in (members + members).enumerated() {
                group.addTask {
                    await Self.refusal {
                        _ = try await loyalty.issueCoupon(
                            template: template, group: shop.group, brand: shop.brand, member: member,
                            idempotencyKey: "issue-\(index)", at: Date())
                    } ?? "issued"
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "issued" }.count == 5)
        #expect(outcomes.filter { $0 != "issued" }.allSatisfy { $0 == "out_of_stock" })
        #expect(try await shop.store.couponTemplates(group: shop.group, brand: shop.brand).first?.issued == 5)

        // Per-member limit, and idempotent replay.
        let roomy = try await shop.store.createCouponTemplate(
            CouponTemplate(name: "once", benefit: .freeShipping, validity: .daysFromIssue(1), perMemberLimit: 1),
            group: shop.group, brand: shop.brand, at: Date())
        let first = try await loyalty.issueCoupon(
            template: roomy, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: "one",
            at: Date())
        let again = try await loyalty.issueCoupon(
            template: roomy, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: "one",
            at: Date())
        #expect(again.replayed && again.coupon.code == first.coupon.code)
        #expect(
            await Self.refusal {
                _ = try await loyalty.issueCoupon(
                    template: roomy, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: "two",
                    at: Date())
            } == "member_limit_reached")
        #expect(
            await Self.refusal {
                _ = try await loyalty.issueCoupon(
                    template: "nope", group: shop.group, brand: shop.brand, member: shop.member,
                    idempotencyKey: "three",
                    at: Date())
            } == "template_not_found")
    }

    /// Redemptions arriving together share transactions (``CouponChangeProgram``) and are answered
    /// as alone: of two concurrent redemptions of each of 30 codes exactly one succeeds, a replay
    /// answers the winner's redemption, a void of a used coupon is refused, one `coupon.redeemed`
    /// event per code — in fewer transactions than requests.
    @Test(arguments: Backend.allCases)
    func concurrentChangesOfManyCouponsShareTransactions(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        let loyalty = LoyaltyService(store: shop.store)
        let template = try await shop.store.createCouponTemplate(
            CouponTemplate(name: "10 off", benefit: .amountOff(1_000), validity: .daysFromIssue(7)),
            group: shop.group, brand: shop.brand, at: Date())
        var codes: [String] = []
        for index in 0..<30 {
            let coupon = try await loyalty.issueCoupon(
                template: template, group: shop.group, brand: shop.brand, member: shop.member,
                idempotencyKey: "i\(index)", at: Date()
            ).coupon
            codes.append(try #require(CouponCode.canonical(coupon.code)))
        }
        let counting = CountingDriver(shop.store.driver)
        let store = SQLTesseraStore(driver: counting)
        let cart = CouponCart(channel: "pos", items: [OrderItem(sku: "x", quantity: 1, unitPriceMinor: 5_000)])
        let results = await withTaskGroup(of: (Int, String).self) { group in
            for (index, code) in codes.enumerated() {
                for attempt in ["a", "b"] {
                    group.addTask {
                        let answer = await Self.refusal {
                            _ = try await store.changeCoupon(
                                .redeem(cart, member: shop.member, orderID: "O-\(index)", key: "\(attempt)-\(index)"),
                                code: code, group: shop.group, brand: shop.brand, at: Date())
                        }
                        return (index, answer ?? attempt)
                    }
                }
            }
            return await group.reduce(into: [Int: [String]]()) { $0[$1.0, default: []].append($1.1) }
        }
        #expect(counting.runs < 60, "60 concurrent redemptions ran as \(counting.runs) transactions")
        for index in codes.indices {
            let answers = results[index] ?? []
            #expect(answers.filter { $0 == "coupon_used" }.count == 1 && answers.count == 2, "\(answers)")
            let winner = try #require(answers.first { $0 != "coupon_used" })
            let replay = try await store.changeCoupon(
                .redeem(cart, member: shop.member, orderID: "O-\(index)", key: "\(winner)-\(index)"),
                code: codes[index],
                group: shop.group, brand: shop.brand, at: Date())
            #expect(replay.replayed && replay.coupon.status == .redeemed && replay.quote?.discountMinor == 1_000)
        }
        #expect(
            await Self.refusal {
                _ = try await store.changeCoupon(
                    .void(reason: "x"), code: codes[0], group: shop.group, brand: shop.brand, at: Date())
            } == "coupon_used")
        let events = try await store.driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT count(*) FROM events WHERE group_id = ? AND name = 'coupon.redeemed'",
                    [.text(shop.group.rawValue)])
            ) { $0.first?.int(0) ?? -1 }, writes: false)
        #expect(events == 30)
    }

    @Test(arguments: Backend.allCases)
    func aCodeIsRedeemedExactlyOnceAndRefusalsAreExact(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        let loyalty = LoyaltyService(store: shop.store)
        let template = try await shop.store.createCouponTemplate(
            CouponTemplate(
                name: "199-100", benefit: .threshold(spendMinor: 19_900, offMinor: 10_000), validity: .daysFromIssue(7),
                restoreOnRefund: true),
            group: shop.group, brand: shop.brand, at: Date())
        let coupon = try await loyalty.issueCoupon(
            template: template, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: "i",
            at: Date()
        ).coupon
        let code = try #require(CouponCode.canonical(coupon.code))
        let stranger = try await shop.tenant.newMember("external:stranger-\(UUID().uuidString)")
        func change(_ action: CouponAction, at date: Date = Date()) async throws -> CouponOutcome {
            try await shop.store.changeCoupon(action, code: code, group: shop.group, brand: shop.brand, at: date)
        }

        let quote = try await change(.quote(Self.cart, member: shop.member))
        #expect(quote.quote?.discountMinor == 10_000 && quote.coupon.status == .issued)
        #expect(await Self.refusal { _ = try await change(.quote(Self.cart, member: stranger)) } == "coupon_foreign")
        let small = CouponCart(channel: "pos", items: [OrderItem(sku: "x", quantity: 1, unitPriceMinor: 5_000)])
        #expect(await Self.refusal { _ = try await change(.quote(small, member: nil)) } == "minimum_spend_not_met")
        #expect(
            await Self.refusal { _ = try await change(.quote(Self.cart, member: nil), at: Date() + 8 * 86_400) }
                == "coupon_expired")

        // 24 concurrent redemptions with different keys: exactly one succeeds.
        let results = await withTaskGroup(of: String.self) { group in
            for attempt in 0..<24 {
                group.addTask {
                    await Self.refusal {
                        _ = try await change(
                            .redeem(
                                Self.cart, member: shop.member, orderID: "ORDER-\(attempt)", key: "redeem-\(attempt)"))
                    } ?? "redeemed"
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == "redeemed" }.count == 1)
        #expect(results.filter { $0 != "redeemed" }.allSatisfy { $0 == "coupon_used" })
        let used = try #require(try await shop.store.coupon(code: code, group: shop.group, brand: shop.brand))
        #expect(used.status == .redeemed && used.discountMinor == 10_000)
        // The winner's retry replays; voiding a used coupon is refused.
        let winner = try #require(used.orderID?.split(separator: "-").last.map(String.init))
        let replay = try await change(
            .redeem(Self.cart, member: shop.member, orderID: used.orderID ?? "", key: "redeem-\(winner)"))
        #expect(replay.replayed)
        #expect(await Self.refusal { _ = try await change(.void(reason: "oops")) } == "coupon_used")

        // The order is refunded through ingest: the coupon comes back (restoreOnRefund).
        try await shop.order(used.orderID ?? "", status: .paid, paid: 15_000)
        try await shop.order(used.orderID ?? "", status: .refunded, paid: 15_000, refunded: 15_000)
        try await shop.work()
        #expect(try await shop.store.coupon(code: code, group: shop.group, brand: shop.brand)?.status == .issued)
        // Voided, then nothing works on it; other brands do not see it.
        #expect(try await change(.void(reason: "customer asked")).coupon.status == .voided)
        #expect(await Self.refusal { _ = try await change(.quote(Self.cart, member: nil)) } == "coupon_voided")
        #expect(
            await Self.refusal {
                _ = try await shop.store.changeCoupon(
                    .quote(Self.cart, member: nil), code: code, group: shop.group, brand: BrandID("other"), at: Date())
            } == "coupon_not_found")
        let names = try await shop.domainEvents()
        for name in ["coupon.issued", "coupon.redeemed", "coupon.restored", "coupon.voided"] {
            #expect(names.contains(name), "\(name) missing")
        }
    }

    @Test(arguments: Backend.allCases)
    func theExpiryPassExpiresCouponsPastTheirWindow(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        let template = try await shop.store.createCouponTemplate(
            CouponTemplate(name: "short", benefit: .amountOff(100), validity: .daysFromIssue(0)),
            group: shop.group, brand: shop.brand, at: Date())
        let coupon = try await LoyaltyService(store: shop.store).issueCoupon(
            template: template, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: "x",
            at: Date()
        ).coupon
        let later = coupon.validUntil + 1
        // The pass covers every group (other tests' coupons may expire with it).
        #expect(try await shop.store.expireCoupons(at: later) >= 1)
        #expect(try await shop.store.expireCoupons(at: later) == 0)
        let code = try #require(CouponCode.canonical(coupon.code))
        #expect(try await shop.store.coupon(code: code, group: shop.group, brand: shop.brand)?.status == .expired)
        #expect(try await shop.domainEvents().contains("coupon.expired"))
    }
}
