import Foundation
import PropertyBased
import Testing
import TesseraDomain

@Suite("Points account")
struct PointsAccountPropertyTests {
    /// One random step: which operation, how many points, how many days pass before it, and which
    /// expiry a credit gets.
    struct Step: Sendable, CustomStringConvertible {
        var operation: Int
        var points: Int64
        var daysLater: Int
        var expiryDays: Int?
        var description: String {
            "op \(operation) \(points) after \(daysLater)d expiring \(expiryDays.map(String.init) ?? "never")"
        }
    }

    static let steps = zip(
        Gen.int(in: 0...4), Gen.int(in: 1...400), Gen.int(in: 0...60), Gen.int(in: 0...120)
    ).map { (picked: (Int, Int, Int, Int)) in
        Step(
            operation: picked.0, points: Int64(picked.1), daysLater: picked.2,
            expiryDays: picked.3 == 0 ? nil : picked.3)
    }.array(of: 1...60)

    /// The ledger's invariants hold after every operation of any sequence, and a refused debit
    /// changes nothing.
    @Test func ledgerInvariantsHoldForAnySequence() async {
        await propertyCheck(input: Self.steps) { steps in
            var account = PointsAccount()
            var entries: [PointsEntry] = []
            var now = Date(timeIntervalSince1970: 1_800_000_000)
            for (index, step) in steps.enumerated() {
                now += TimeInterval(step.daysLater * 86_400)
                let operation: PointsOperation =
                    switch step.operation {
                    case 0:
                        .credit(
                            step.points, kind: .earn, expiresAt: step.expiryDays.map { now + TimeInterval($0 * 86_400) }
                        )
                    case 1: .debit(step.points, kind: .redeem)
                    case 2: .clawBack(step.points)
                    case 3: .expire
                    default: .credit(step.points, kind: .adjust, expiresAt: nil)
                    }
                let before = account
                let availableBefore = account.available(at: now)
                var applied = false
                do {
                    let produced = try account.apply(
                        operation, id: "e\(index)", reason: "test", source: PointsSource(type: "system"),
                        idempotencyKey: "k\(index)", at: now)
                    entries += produced
                    applied = true
                    #expect(produced.reduce(0) { $0 + $1.points } == account.balance - before.balance)
                    #expect(produced.reduce(0) { $0 + $1.debt } == account.debt - before.debt)
                    if case .debit(let points, _) = operation {
                        #expect(points <= availableBefore)
                        #expect(produced.last?.points == -points)
                    }
                } catch {
                    #expect((error as? LoyaltyError)?.code == "insufficient_points")
                    #expect(account == before, "a refused operation changed the account")
                    if case .debit(let points, _) = operation { #expect(points > availableBefore) }
                }
                // Invariants.
                #expect(account.balance == entries.reduce(0) { $0 + $1.points })
                #expect(account.debt == entries.reduce(0) { $0 + $1.debt })
                #expect(account.balance >= 0 && account.debt >= 0)
                #expect(account.debt == 0 || account.balance == 0, "debt while points are spendable")
                #expect(account.lots.allSatisfy { $0.remaining > 0 && $0.remaining <= $0.amount })
                if applied {
                    #expect(account.lots.allSatisfy { !$0.isExpired(at: now) }, "an expired lot survived an operation")
                }
                let created = Dictionary(
                    uniqueKeysWithValues: entries.compactMap(\.createdLot).map { ($0.id, $0.amount) })
                var consumed: [String: Int64] = [:]
                for part in entries.flatMap(\.consumed) { consumed[part.lotID, default: 0] += part.points }
                for (lot, amount) in created {
                    let left = account.lots.first { $0.id == lot }?.remaining ?? 0
                    #expect(consumed[lot, default: 0] + left == amount, "lot \(lot) over- or under-consumed")
                }
            }
        }
    }

    /// The account `steps` leave behind (refused debits skipped), with a prefix for its ids.
    static func account(after steps: [Step], prefix: String) -> PointsAccount {
        var account = PointsAccount()
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        for (index, step) in steps.enumerated() {
            now += TimeInterval(step.daysLater * 86_400)
            let operation: PointsOperation =
                switch step.operation {
                case 0, 3:
                    .credit(
                        step.points, kind: .earn, expiresAt: step.expiryDays.map { now + TimeInterval($0 * 86_400) })
                case 1: .debit(step.points, kind: .redeem)
                case 2: .clawBack(step.points)
                default: .credit(step.points, kind: .adjust, expiresAt: nil)
                }
            _ = try? account.apply(
                operation, id: "\(prefix)\(index)", reason: "t", source: PointsSource(type: "system"),
                idempotencyKey: "\(prefix)\(index)", at: now)
        }
        return account
    }

    /// Merging moves everything: the survivor's net worth (balance − debt) grows by exactly the
    /// merged account's, the merged account ends empty, every lot keeps its expiry, the entries
    /// account for every change and the debt invariant holds.
    @Test func absorbingAMergedAccountMovesEverything() async {
        await propertyCheck(input: zip(Self.steps, Self.steps)) { survivorSteps, mergedSteps in
            var survivor = Self.account(after: survivorSteps, prefix: "s")
            var merged = Self.account(after: mergedSteps, prefix: "m")
            let (before, moving) = (survivor, merged)
            let entries = survivor.absorb(
                &merged, id: "t", reason: "merge", source: PointsSource(type: "system"), idempotencyKey: "merge",
                at: Date(timeIntervalSince1970: 1_900_000_000))
            #expect(merged == PointsAccount())
            #expect(survivor.balance - survivor.debt == before.balance - before.debt + moving.balance - moving.debt)
            #expect(entries.out.reduce(0) { $0 + $1.points } == -moving.balance)
            #expect(entries.out.reduce(0) { $0 + $1.debt } == -moving.debt)
            #expect(entries.in.reduce(0) { $0 + $1.points } == survivor.balance - before.balance)
            #expect(entries.in.reduce(0) { $0 + $1.debt } == survivor.debt - before.debt)
            #expect(survivor.debt == 0 || survivor.balance == 0, "debt while points are spendable")
            #expect(entries.in.allSatisfy { $0.kind == .transfer } && entries.out.allSatisfy { $0.kind == .transfer })
            let expiries = { (account: PointsAccount) in account.lots.compactMap(\.expiresAt).sorted() }
            if before.debt == 0 && moving.debt == 0 {
                #expect(expiries(survivor) == (expiries(before) + expiries(moving)).sorted())
            }
        }
    }

    /// Debits take the soonest-expiring points first; never-expiring points last.
    @Test func debitsConsumeFirstExpiringFirst() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var account = PointsAccount()
        let source = PointsSource(type: "operator")
        _ = try account.apply(
            .credit(100, kind: .earn, expiresAt: nil), id: "never", reason: "", source: source, idempotencyKey: "1",
            at: start)
        _ = try account.apply(
            .credit(100, kind: .earn, expiresAt: start + 86_400 * 30), id: "late", reason: "", source: source,
            idempotencyKey: "2", at: start)
        _ = try account.apply(
            .credit(100, kind: .earn, expiresAt: start + 86_400 * 10), id: "soon", reason: "", source: source,
            idempotencyKey: "3", at: start)
        let entries = try account.apply(
            .debit(150, kind: .redeem), id: "r", reason: "", source: source, idempotencyKey: "4", at: start)
        #expect(
            entries.map(\.consumed) == [
                [PointsConsumption(lotID: "soon", points: 100), PointsConsumption(lotID: "late", points: 50)]
            ])
        #expect(account.expiring(after: start, until: start + 86_400 * 31) == 50)
    }

    /// A claw-back beyond the balance becomes debt, which the next earning settles before any lot forms.
    @Test func clawBackDebtIsSettledByTheNextEarning() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        var account = PointsAccount()
        let source = PointsSource(type: "order", id: "o1")
        _ = try account.apply(
            .credit(30, kind: .earn, expiresAt: nil), id: "a", reason: "", source: source, idempotencyKey: "1", at: at)
        let clawed = try account.apply(.clawBack(100), id: "b", reason: "", source: source, idempotencyKey: "2", at: at)
        #expect(clawed.map { [$0.points, $0.debt] } == [[-30, 70]])
        #expect((account.balance, account.debt) == (0, 70))
        let earned = try account.apply(
            .credit(200, kind: .earn, expiresAt: nil), id: "c", reason: "", source: source, idempotencyKey: "3", at: at)
        #expect(earned.map { [$0.points, $0.debt] } == [[130, -70]])
        #expect((account.balance, account.debt) == (130, 0))
    }

    /// Expiry policies end months and years at local midnight in the brand's time zone.
    @Test func expiryPoliciesFollowTheBrandsCalendar() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        // 2026-12-31T20:00Z is already 2027-01-01 04:00 in Shanghai.
        let earned = Date(timeIntervalSince1970: 1_798_747_200)
        let formatter = ISO8601DateFormatter()
        #expect(
            ExpiryPolicy.endOfYear(1).expiry(earnedAt: earned, timeZone: shanghai).map(formatter.string)
                == "2028-12-31T16:00:00Z")
        #expect(
            ExpiryPolicy.endOfYear(1).expiry(earnedAt: earned, timeZone: .gmt).map(formatter.string)
                == "2028-01-01T00:00:00Z")
        #expect(
            ExpiryPolicy.endOfMonth(0).expiry(earnedAt: earned, timeZone: shanghai).map(formatter.string)
                == "2027-01-31T16:00:00Z")
        #expect(
            ExpiryPolicy.days(30).expiry(earnedAt: earned, timeZone: shanghai).map(formatter.string)
                == "2027-01-30T20:00:00Z")
        #expect(ExpiryPolicy.never.expiry(earnedAt: earned, timeZone: shanghai) == nil)
    }
}
