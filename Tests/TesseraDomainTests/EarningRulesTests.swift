import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Earning rules")
struct EarningRulesTests {
    static let shanghai = LoyaltyProgram(
        earn: EarnRules(
            amount: [
                AmountRule(earn: 2, perMinor: 100, categories: ["skincare"]), AmountRule(earn: 1, perMinor: 100),
            ],
            campaigns: [
                EarnCampaign(
                    name: "Double 11", from: date("2026-11-11T00:00:00+08:00"),
                    until: date("2026-11-12T00:00:00+08:00"),
                    multiplierPercent: 200, channels: ["tmall"])
            ], perOrderCap: 1_000),
        growth: RateRules(amount: [AmountRule(earn: 1, perMinor: 100)]),
        tiers: TierRules(
            levels: [
                TierLevel(code: "member", threshold: 0),
                TierLevel(code: "gold", threshold: 1_000, pointsMultiplierPercent: 150),
            ]))

    static func date(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("bad test date \(text)") }
        return date
    }

    /// Integer scaling is exact: it agrees with plain arithmetic wherever that does not overflow.
    @Test func scalingAgreesWithIntegerArithmetic() async {
        await propertyCheck(
            input: zip(Gen.int(in: 0...1_000_000_000), Gen.int(in: 0...1_000_000), Gen.int(in: 1...1_000_000))
        ) { value, numerator, denominator in
            let product = Int64(value) * Int64(numerator)
            let d = Int64(denominator)
            #expect(Rounding.down.scale(Int64(value), by: Int64(numerator), over: d) == product / d)
            #expect(Rounding.up.scale(Int64(value), by: Int64(numerator), over: d) == (product + d - 1) / d)
            #expect(Rounding.halfUp.scale(Int64(value), by: Int64(numerator), over: d) == (2 * product + d) / (2 * d))
        }
        #expect(Rounding.down.scale(Int64.max, by: Int64.max, over: 1) == Int64.max)
    }

    /// Allocation hands out exactly the net amount, each line within one minor unit of its exact share.
    @Test func allocationIsExactAndProportional() async {
        let items = zip(Gen.int(in: 1...5), Gen.int(in: 0...100_000)).array(of: 1...8)
        await propertyCheck(input: zip(Gen.int(in: 0...10_000_000), items)) { net, raw in
            let lines = raw.enumerated().map { index, item in
                OrderItem(sku: "s\(index)", quantity: item.0, unitPriceMinor: Int64(item.1))
            }
            let shares = EarningLine.allocate(Int64(net), over: lines)
            #expect(shares.reduce(0) { $0 + $1.amountMinor } == Int64(net))
            let total = lines.reduce(Int64(0)) { $0 + Int64($1.quantity) * $1.unitPriceMinor }
            guard total > 0, net > 0 else { return }
            for (line, share) in zip(lines, shares) {
                let exact = Double(net) * Double(Int64(line.quantity) * line.unitPriceMinor) / Double(total)
                #expect(abs(Double(share.amountMinor) - exact) < 1.000_001)
            }
        }
    }

    @Test func ordersEarnByCategoryTierAndCampaignWithinTheCap() {
        let items = [
            OrderItem(sku: "serum", category: "skincare", quantity: 1, unitPriceMinor: 10_000),
            OrderItem(sku: "tote", category: "bags", quantity: 1, unitPriceMinor: 10_000),
        ]
        func earn(_ paid: Int64, refunded: Int64 = 0, channel: String = "pos", tier: String? = "member", at: String)
            -> Earning
        {
            Earning.evaluate(
                Self.shanghai, status: .paid, channel: channel, store: nil, paidMinor: paid, refundedMinor: refunded,
                items: items, paidAt: Self.date(at), context: EarningContext(tier: tier, limit: 1_000))
        }
        // ¥100 skincare ×2 + ¥100 other ×1; growth 1 per ¥1.
        #expect(earn(20_000, at: "2026-11-01T12:00:00+08:00") == Earning(points: 300, growth: 200))
        // Discounted to ¥150: allocated 75/75 → 150 + 75.
        #expect(earn(15_000, at: "2026-11-01T12:00:00+08:00").points == 225)
        // Gold ×1.5, Double 11 on Tmall ×2 → ×3 (but capped at 1,000 → 900 fits).
        #expect(earn(20_000, channel: "tmall", tier: "gold", at: "2026-11-11T08:00:00+08:00").points == 900)
        // The campaign ends at local midnight: 16:00 UTC on the 11th is already the 12th in Shanghai.
        #expect(earn(20_000, channel: "tmall", at: "2026-11-11T16:00:00Z").points == 300)
        #expect(earn(20_000, channel: "tmall", at: "2026-11-11T15:59:59Z").points == 600)
        // The cap.
        #expect(earn(200_000, channel: "tmall", tier: "gold", at: "2026-11-11T08:00:00+08:00").points == 1_000)
        // A refund earns on what is left.
        #expect(earn(20_000, refunded: 20_000, at: "2026-11-01T12:00:00+08:00") == Earning(points: 0, growth: 0))
        // Unpaid orders earn nothing.
        #expect(
            Earning.evaluate(
                Self.shanghai, status: .placed, channel: "pos", store: nil, paidMinor: 20_000, refundedMinor: 0,
                items: items, paidAt: Self.date("2026-11-01T12:00:00+08:00"),
                context: EarningContext(tier: nil, limit: nil))
                == Earning(points: 0, growth: 0))
    }

    @Test func roundingIsOncePerRule() {
        var program = Self.shanghai
        program.earn.amount = [AmountRule(earn: 1, perMinor: 100)]
        let halves = [
            OrderItem(sku: "a", quantity: 1, unitPriceMinor: 50), OrderItem(sku: "b", quantity: 1, unitPriceMinor: 50),
        ]
        let earning = Earning.evaluate(
            program, status: .paid, channel: "pos", store: nil, paidMinor: 199, refundedMinor: 0, items: halves,
            paidAt: Self.date("2026-01-01T00:00:00Z"), context: EarningContext(tier: nil, limit: nil))
        #expect(earning.points == 1)  // ¥1.99 → 1 point rounded down, not 0 + 0
        program.earn.rounding = .halfUp
        #expect(
            Earning.evaluate(
                program, status: .paid, channel: "pos", store: nil, paidMinor: 199, refundedMinor: 0, items: halves,
                paidAt: Self.date("2026-01-01T00:00:00Z"), context: EarningContext(tier: nil, limit: nil)
            ).points == 2)
    }

    @Test func invalidProgrammesNameEveryFieldAtFault() throws {
        let text = """
            {"timeZone": "Mars/Olympus", "earn": {"amount": [{"earn": 1, "perMinor": 0}], "events": [{"event": "x", "earn": 1}, {"event": "x", "earn": 2}],
             "holdingDays": 400}, "tiers": {"levels": [{"code": "a", "threshold": 10}, {"code": "a", "threshold": 5}]}}
            """
        let program = try JSONDecoder().decode(LoyaltyProgram.self, from: Data(text.utf8))
        let paths = Set(program.validate().map(\.path))
        #expect(
            paths == [
                "$.timeZone", "$.earn.amount[0].perMinor", "$.earn.events[1].event", "$.earn.holdingDays",
                "$.tiers.levels[0].threshold", "$.tiers.levels[1].code", "$.tiers.levels[1].threshold",
            ])
        #expect(LoyaltyProgram.standard.validate().isEmpty)
        #expect(Self.shanghai.validate().isEmpty)
    }
}
