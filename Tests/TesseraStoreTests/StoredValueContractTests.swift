import Foundation
import PropertyBased
import Testing
import TesseraCore
import TesseraDomain

/// Stored value on both databases: exact against the pure model, audited in SQL, safe under
/// concurrent spending, refusals write nothing.
@Suite("Stored value contract")
struct StoredValueContractTests {
    static func request(
        _ shop: EarningContractTests.Shop, _ action: StoredValueRequest.Action, key: String
    ) -> StoredValueRequest {
        StoredValueRequest(
            group: shop.group, brand: shop.brand, member: shop.member, action: action, reason: "test",
            source: PointsSource(type: "operator"), idempotencyKey: key, at: Date())
    }

    /// Σ entries equals the account's principal and bonus for every account of the group, and no
    /// spend is refunded beyond what it took.
    static func audit(_ shop: EarningContractTests.Shop) async throws -> Int64 {
        try await shop.store.driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT (SELECT count(*) FROM stored_value_accounts a WHERE a.group_id = ? AND (a.principal <> \
                    (SELECT coalesce(sum(e.principal), 0) FROM stored_value_entries e WHERE e.group_id = a.group_id \
                    AND e.brand_id = a.brand_id AND e.member_id = a.member_id) OR a.bonus <> (SELECT coalesce(sum(e.bonus), 0) \
                    FROM stored_value_entries e WHERE e.group_id = a.group_id AND e.brand_id = a.brand_id \
                    AND e.member_id = a.member_id))) + (SELECT count(*) FROM stored_value_entries s WHERE s.group_id = ? \
                    AND s.kind = 'spend' AND -s.principal - s.bonus < (SELECT coalesce(sum(r.principal + r.bonus), 0) \
                    FROM stored_value_entries r WHERE r.group_id = s.group_id AND r.refund_of = s.id))
                    """, [.text(shop.group.rawValue), .text(shop.group.rawValue)]),
                map: { $0.first?.int(0) ?? -1 }), writes: false)
    }

    static let steps = zip(Gen.int(in: 0...4), Gen.int(in: 1...50_000), Gen.int(in: 0...20_000), Gen.int(in: 0...10))
        .array(of: 1...25)

    @Test(arguments: Backend.allCases)
    func storedLedgerMatchesThePureModel(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        await propertyCheck(count: 20, input: Self.steps) { steps in
            let member = try await shop.tenant.newMember("external:sv-\(UUID().uuidString)")
            let owner = EarningContractTests.Shop(tenant: shop.tenant, member: member, identifier: "")
            var model = StoredValueAccount()
            var spends: [StoredValueEntry] = []
            var refunded: [String: (Int64, Int64)] = [:]
            for (index, (pick, amount, bonus, which)) in steps.enumerated() {
                let action: StoredValueRequest.Action
                let operation: StoredValueOperation
                switch pick {
                case 0:
                    (action, operation) = (
                        .topUp(principal: Int64(amount), bonus: Int64(bonus)),
                        .topUp(principal: Int64(amount), bonus: Int64(bonus))
                    )
                case 1: (action, operation) = (.spend(Int64(amount)), .spend(Int64(amount)))
                case 2 where !spends.isEmpty:
                    let spend = spends[which % spends.count]
                    (action, operation) = (
                        .refund(Int64(amount), spendID: spend.id),
                        .refund(Int64(amount), spend: spend, refundedSoFar: refunded[spend.id] ?? (0, 0))
                    )
                case 3: (action, operation) = (.cashOut, .cashOut)
                default: (action, operation) = (.adjust(Int64(amount) - 25_000), .adjust(Int64(amount) - 25_000))
                }
                let expected = try? model.apply(
                    operation, id: "m", reason: "", source: PointsSource(type: "operator"), idempotencyKey: "m",
                    at: Date())
                do {
                    let outcome = try await shop.store.applyStoredValue(
                        Self.request(owner, action, key: "sv-\(index)-\(member)"))
                    #expect(expected != nil, "the store accepted what the model refused: \(action)")
                    #expect(outcome.principal == model.principal && outcome.bonus == model.bonus)
                    #expect(outcome.entry.principal == expected?.principal && outcome.entry.bonus == expected?.bonus)
                    if outcome.entry.kind == .spend { spends.append(outcome.entry) }
                    if let spend = outcome.entry.refundOf {
                        let so = refunded[spend] ?? (0, 0)
                        refunded[spend] = (so.0 + outcome.entry.principal, so.1 + outcome.entry.bonus)
                    }
                } catch TesseraError.rejected {
                    #expect(expected == nil, "the store refused what the model accepted: \(action)")
                }
            }
            let stored = try await shop.store.storedValue(group: shop.group, brand: shop.brand, member: member)
            #expect(stored == model)
        }
        #expect(try await Self.audit(shop) == 0)
    }

    @Test(arguments: Backend.allCases)
    func concurrentSpendsNeverOverdraw(backend: Backend) async throws {
        let shop = try await EarningContractTests.Shop.open(backend)
        _ = try await shop.store.applyStoredValue(Self.request(shop, .topUp(principal: 80, bonus: 20), key: "top"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for attempt in 0..<24 {
                group.addTask {
                    (try? await shop.store.applyStoredValue(Self.request(shop, .spend(10), key: "spend-\(attempt)")))
                        != nil
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(results == 10)
        #expect(
            try await shop.store.storedValue(group: shop.group, brand: shop.brand, member: shop.member).balance == 0)
        // A replay answers the stored entry; refusals write nothing.
        let replay = try await shop.store.applyStoredValue(
            Self.request(shop, .topUp(principal: 80, bonus: 20), key: "top"))
        #expect(replay.replayed)
        let entries = try await shop.store.storedValueEntries(
            group: shop.group, brand: shop.brand, member: shop.member, before: nil, limit: 100)
        #expect(entries.count == 11)
        #expect(try await Self.audit(shop) == 0)
    }
}
