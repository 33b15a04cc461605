import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Benefits on both databases: tier benefits follow the tier, granted ones their validity, uses
/// never exceed the count (also concurrently), and a points-multiplier benefit is applied by earning.
@Suite("Benefit contract")
struct BenefitContractTests {
    static let program: LoyaltyProgram = {
        var program = EarningContractTests.program
        program.tiers?.levels[1].benefits = [
            Benefit(kind: .discountRate, name: "Silver 5% off", percent: 5),
            Benefit(kind: .freeService, name: "Free alterations", uses: 2),
        ]
        return program
    }()

    @Test(arguments: Backend.allCases)
    func benefitsFollowTiersGrantsAndUses(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend, program: Self.program)
        func benefits() async throws -> [MemberBenefit] {
            try await shop.store.memberBenefits(group: shop.group, brand: shop.brand, member: shop.member, at: Date())
        }
        #expect(try await benefits().isEmpty)

        // A double-points grant applies to the next order: ¥100 of bags → 100 × 2.
        let double = try await shop.store.grantBenefit(
            Benefit(kind: .pointsMultiplier, name: "Double points", percent: 200), group: shop.group, brand: shop.brand,
            member: shop.member, validFrom: Date() - 60, validUntil: Date() + 86_400, idempotencyKey: "g1", at: Date())
        let replay = try await shop.store.grantBenefit(
            Benefit(kind: .pointsMultiplier, name: "Double points", percent: 200), group: shop.group, brand: shop.brand,
            member: shop.member, validFrom: Date() - 60, validUntil: Date() + 86_400, idempotencyKey: "g1", at: Date())
        #expect(replay.id == double.id)
        try await shop.order("B1", status: .paid, paid: 30_000)  // 450 × 2 = 900 points, 300 growth → silver
        #expect(try await shop.work().map(\.points) == [900])

        // Silver now: its two benefits plus the grant.
        let list = try await benefits()
        #expect(Set(list.map(\.benefit.name)) == ["Silver 5% off", "Free alterations", "Double points"])
        let service = try #require(list.first { $0.benefit.kind == .freeService })
        #expect(service.usesLeft == 2)

        // Four concurrent uses of a benefit with two uses: exactly two succeed.
        let outcomes = await withTaskGroup(of: (key: String, outcome: String).self) { group in
            for attempt in 0..<4 {
                group.addTask {
                    let key = "use-\(attempt)"
                    do {
                        _ = try await shop.store.useBenefit(
                            id: service.id, group: shop.group, brand: shop.brand, member: shop.member,
                            idempotencyKey: key, at: Date())
                        return (key, "used")
                    } catch TesseraError.rejected(let code, _, _) {
                        return (key, code)
                    } catch {
                        return (key, "\(error)")
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.map(\.outcome).sorted() == ["benefit_used_up", "benefit_used_up", "used", "used"])
        // A replayed use (of whichever key won) changes nothing.
        let winner = try #require(outcomes.first { $0.outcome == "used" })
        let again = try await shop.store.useBenefit(
            id: service.id, group: shop.group, brand: shop.brand, member: shop.member, idempotencyKey: winner.key,
            at: Date())
        #expect(again.usesLeft == 0)

        try await shop.store.revokeBenefit(
            id: double.id, group: shop.group, brand: shop.brand, member: shop.member, at: Date())
        #expect(try await benefits().count == 2)
        #expect(try await shop.domainEvents().contains("benefit.used"))
    }
}
