import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Stored value")
struct StoredValuePropertyTests {
    static let steps = zip(Gen.int(in: 0...4), Gen.int(in: 1...50_000), Gen.int(in: 0...20_000), Gen.int(in: 0...10))
        .array(of: 1...40)

    /// Principal and bonus never go negative and always equal the sums of the entries; refunds
    /// never give back more than a spend took, and a spend refunded in full restores exactly its split.
    @Test func ledgerInvariantsHoldForAnySequence() async {
        await propertyCheck(input: Self.steps) { steps in
            var account = StoredValueAccount()
            var entries: [StoredValueEntry] = []
            for (index, (pick, amount, bonus, which)) in steps.enumerated() {
                let spends = entries.filter { $0.kind == .spend }
                let operation: StoredValueOperation
                switch pick {
                case 0: operation = .topUp(principal: Int64(amount), bonus: Int64(bonus))
                case 1: operation = .spend(Int64(amount))
                case 2 where !spends.isEmpty:
                    let spend = spends[which % spends.count]
                    let refunded = entries.filter { $0.refundOf == spend.id }
                    operation = .refund(
                        Int64(amount), spend: spend,
                        refundedSoFar: (refunded.reduce(0) { $0 + $1.principal }, refunded.reduce(0) { $0 + $1.bonus }))
                case 3: operation = .cashOut
                default: operation = .adjust(Int64(amount) - 25_000)
                }
                let before = account
                do {
                    entries.append(
                        try account.apply(
                            operation, id: "e\(index)", reason: "t", source: PointsSource(type: "system"),
                            idempotencyKey: "k\(index)", at: Date(timeIntervalSince1970: 0)))
                } catch {
                    #expect(account == before, "a refusal changed the account")
                }
                #expect(account.principal >= 0 && account.bonus >= 0)
                #expect(account.principal == entries.reduce(0) { $0 + $1.principal })
                #expect(account.bonus == entries.reduce(0) { $0 + $1.bonus })
                for spend in entries where spend.kind == .spend {
                    let refunds = entries.filter { $0.refundOf == spend.id }
                    let principal = refunds.reduce(0) { $0 + $1.principal }
                    let bonus = refunds.reduce(0) { $0 + $1.bonus }
                    #expect(principal <= -spend.principal && bonus <= -spend.bonus, "spend \(spend.id) over-refunded")
                    if principal + bonus == -spend.amount { #expect(principal == -spend.principal) }
                }
            }
        }
    }

    @Test func spendsTakeBonusInProportion() throws {
        var account = StoredValueAccount()
        let source = PointsSource(type: "system")
        let at = Date(timeIntervalSince1970: 0)
        _ = try account.apply(
            .topUp(principal: 10_000, bonus: 5_000), id: "t", reason: "", source: source, idempotencyKey: "t", at: at)
        let spend = try account.apply(.spend(3_000), id: "s", reason: "", source: source, idempotencyKey: "s", at: at)
        #expect(spend.principal == -2_000 && spend.bonus == -1_000)
        let refund = try account.apply(
            .refund(3_000, spend: spend, refundedSoFar: (0, 0)), id: "r", reason: "", source: source,
            idempotencyKey: "r",
            at: at)
        #expect(refund.principal == 2_000 && refund.bonus == 1_000)
        let cash = try account.apply(.cashOut, id: "c", reason: "", source: source, idempotencyKey: "c", at: at)
        #expect(cash.principal == -10_000 && cash.bonus == -5_000 && account.balance == 0)
        #expect(throws: LoyaltyError.self) {
            try account.apply(.spend(1), id: "x", reason: "", source: source, idempotencyKey: "x", at: at)
        }
    }
}
