import Foundation
import PropertyBased
import Synchronization
import Testing
import TesseraCore
import TesseraDomain

/// The points ledger on both databases: exact against the pure model, atomic, idempotent and safe
/// under concurrent redemption.
@Suite("Points ledger contract")
struct PointsLedgerContractTests {
    /// A member of a new tenant, with a helper to apply operations to their points.
    struct Account {
        let tenant: Tenant
        let member: MemberID
        var group: GroupID { tenant.principal.groupID }
        var brand: BrandID { tenant.principal.brandID }

        static func make(_ backend: Backend) async throws -> Account {
            let tenant = try await Tenant.make(try await backend.makeStore())
            return try await Account(tenant: tenant, member: tenant.newMember("external:points-\(UUID().uuidString)"))
        }

        @discardableResult
        func apply(
            _ operation: PointsOperation, key: String, at seconds: TimeInterval = 1_800_000_000, member: MemberID? = nil
        )
            async throws -> PointsOutcome
        {
            try await tenant.store.applyPoints(
                PointsRequest(
                    group: group, brand: brand, member: member ?? self.member, operation: operation, reason: "test",
                    source: PointsSource(type: "operator", id: "tester"), idempotencyKey: key,
                    at: Date(timeIntervalSince1970: seconds)))
        }

        /// The ledger audited in SQL: entries sum to the balance and debt, lots to the balance, no
        /// lot outside `0...amount`.
        func audit() async throws -> (
            balance: Int64, debt: Int64, entries: Int64, entryDebt: Int64, lots: Int64, badLots: Int64
        ) {
            let key: [SQLValue] = [.text(group.rawValue), .text(brand.rawValue), .text(member.rawValue)]
            let sql = """
                SELECT (SELECT balance FROM points_accounts WHERE group_id = ? AND brand_id = ? AND member_id = ?), \
                (SELECT debt FROM points_accounts WHERE group_id = ? AND brand_id = ? AND member_id = ?), \
                (SELECT CAST(coalesce(sum(points), 0) AS BIGINT) FROM points_entries WHERE group_id = ? AND brand_id = ? AND member_id = ?), \
                (SELECT CAST(coalesce(sum(debt), 0) AS BIGINT) FROM points_entries WHERE group_id = ? AND brand_id = ? AND member_id = ?), \
                (SELECT CAST(coalesce(sum(remaining), 0) AS BIGINT) FROM points_lots WHERE group_id = ? AND brand_id = ? AND member_id = ?), \
                (SELECT count(*) FROM points_lots WHERE group_id = ? AND brand_id = ? AND member_id = ? \
                AND (remaining < 0 OR remaining > amount))
                """
            return try await tenant.store.driver.run(
                QueryProgram(SQLStatement(sql, Array(repeating: key, count: 6).flatMap { $0 })) { rows in
                    let row = rows[0]
                    return (
                        row.int(0) ?? 0, row.int(1) ?? 0, row.int(2) ?? 0, row.int(3) ?? 0, row.int(4) ?? 0,
                        row.int(5) ?? 0
                    )
                }, writes: false)
        }
    }

    static let operations = zip(Gen.int(in: 0...4), Gen.int(in: 1...300), Gen.int(in: 0...40), Gen.int(in: 0...90))
        .array(of: 1...25)

    /// Differential: any operation sequence leaves the stored account exactly where the pure model
    /// says, refusals included, and the SQL audit balances.
    @Test(arguments: Backend.allCases)
    func storedLedgerMatchesThePureModel(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        await propertyCheck(count: 25, input: Self.operations) { steps in
            let account = try await Account(tenant: tenant, member: tenant.newMember("external:p-\(UUID().uuidString)"))
            var model = PointsAccount()
            var now: TimeInterval = 1_800_000_000
            for (index, (pick, points, days, expiry)) in steps.enumerated() {
                now += TimeInterval(days * 86_400)
                let at = Date(timeIntervalSince1970: now)
                let operation: PointsOperation =
                    switch pick {
                    case 0:
                        .credit(
                            Int64(points), kind: .earn,
                            expiresAt: expiry == 0 ? nil : at + TimeInterval(expiry * 86_400))
                    case 1: .debit(Int64(points), kind: .redeem)
                    case 2: .clawBack(Int64(points))
                    case 3: .expire
                    default: .debit(Int64(points), kind: .adjust)
                    }
                let expected = Result { () throws(LoyaltyError) in
                    try model.apply(
                        operation, id: "x\(index)", reason: "", source: PointsSource(type: "system"),
                        idempotencyKey: "",
                        at: at)
                }
                do {
                    let outcome = try await account.apply(operation, key: "\(account.member)-\(index)", at: now)
                    let entries = try expected.get()
                    #expect(outcome.entries.map(\.points) == entries.map(\.points))
                    #expect(outcome.entries.map(\.debt) == entries.map(\.debt))
                    #expect((outcome.balance, outcome.debt) == (model.balance, model.debt))
                } catch TesseraError.rejected(let code, _, _) {
                    #expect(code == "insufficient_points")
                    #expect(throws: LoyaltyError.self) { try expected.get() }
                }
                let stored = try await tenant.store.pointsAccount(
                    group: account.group, brand: account.brand, member: account.member)
                #expect(stored.balance == model.balance && stored.debt == model.debt)
                #expect(Set(stored.lots.map(\.remaining)) == Set(model.lots.map(\.remaining)))
            }
            let audit = try await account.audit()
            #expect(audit.balance == model.balance && audit.entries == model.balance && audit.lots == model.balance)
            #expect(audit.debt == model.debt && audit.entryDebt == model.debt)
            #expect(audit.badLots == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRetriedOperationHasNoSecondEffect(backend: Backend) async throws {
        let account = try await Account.make(backend)
        try await account.apply(.credit(500, kind: .earn, expiresAt: nil), key: "earn-1")
        let first = try await account.apply(.debit(120, kind: .redeem), key: "redeem-1")
        let again = try await account.apply(.debit(120, kind: .redeem), key: "redeem-1")
        #expect(!first.replayed && again.replayed)
        #expect(again.entries.map(\.id) == first.entries.map(\.id))
        #expect(again.balance == 380)
        let audit = try await account.audit()
        #expect(audit.balance == 380 && audit.entries == 380)
    }

    @Test(arguments: Backend.allCases)
    func refusalsWriteNothing(backend: Backend) async throws {
        let account = try await Account.make(backend)
        try await account.apply(.credit(100, kind: .earn, expiresAt: nil), key: "earn")
        await #expect(
            throws: TesseraError.rejected(
                code: "insufficient_points", field: "points", reason: "101 points requested but only 100 available")
        ) {
            try await account.apply(.debit(101, kind: .redeem), key: "too-much")
        }
        await #expect(throws: TesseraError.self) { try await account.apply(.debit(0, kind: .redeem), key: "zero") }
        await #expect(throws: TesseraError.notFound("member nobody not found")) {
            try await account.apply(.credit(1, kind: .earn, expiresAt: nil), key: "ghost", member: MemberID("nobody"))
        }
        let entries = try await account.tenant.store.pointsEntries(
            group: account.group, brand: account.brand, member: account.member, before: nil, limit: 10)
        #expect(entries.map(\.idempotencyKey) == ["earn"])
        // The refused key was not consumed: the same key may succeed later.
        #expect(try await account.apply(.debit(100, kind: .redeem), key: "too-much").balance == 0)
    }

    /// Many concurrent redemptions of one account: exactly as many succeed as the balance allows.
    @Test(arguments: Backend.allCases)
    func concurrentRedemptionsNeverOverspend(backend: Backend) async throws {
        let account = try await Account.make(backend)
        try await account.apply(.credit(100, kind: .earn, expiresAt: nil), key: "earn")
        let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<24 {
                group.addTask {
                    do {
                        try await account.apply(.debit(10, kind: .redeem), key: "r\(index)")
                        return true
                    } catch TesseraError.rejected {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 10)
        let audit = try await account.audit()
        #expect(audit.balance == 0 && audit.entries == 0 && audit.lots == 0)
    }

    @Test(arguments: Backend.allCases)
    func dueLotsAreFoundAndExpiredOnce(backend: Backend) async throws {
        let account = try await Account.make(backend)
        let start: TimeInterval = 1_800_000_000
        try await account.apply(
            .credit(70, kind: .earn, expiresAt: Date(timeIntervalSince1970: start + 86_400)), key: "a", at: start)
        try await account.apply(.credit(30, kind: .earn, expiresAt: nil), key: "b", at: start)
        let store = account.tenant.store
        #expect(
            try await store.membersWithDuePoints(
                group: account.group, at: Date(timeIntervalSince1970: start), limit: 10
            ).isEmpty)
        let due = try await store.membersWithDuePoints(
            group: account.group, at: Date(timeIntervalSince1970: start + 86_400), limit: 10)
        #expect(due.map(\.1) == [account.member])
        let expired = try await account.apply(.expire, key: "expire-1", at: start + 86_400)
        #expect(expired.entries.map(\.points) == [-70] && expired.balance == 30)
        let nothing = try await account.apply(.expire, key: "expire-2", at: start + 2 * 86_400)
        #expect(nothing.entries.isEmpty && nothing.balance == 30)
        #expect(
            try await store.membersWithDuePoints(
                group: account.group, at: Date(timeIntervalSince1970: start + 86_400), limit: 10
            ).isEmpty)
    }

    static let together = zip(Gen.int(in: 0...3), Gen.int(in: 0...3), Gen.int(in: 1...200), Gen.int(in: 0...9))
        .array(of: 2...30)

    /// Differential: operations applied together (one transaction, as concurrent redemptions are)
    /// are answered as they would have been one at a time and leave the same ledgers — refusals,
    /// replays of keys used before or earlier in the list, a key reused by another member, an
    /// unknown member, expiry before an operation and several operations on one account included.
    /// Only operations the batch cannot decide itself run again alone: the driver sees one
    /// transaction plus one per replay or such failure.
    @Test(arguments: Backend.allCases)
    func operationsAppliedTogetherAreAnsweredAsAlone(backend: Backend) async throws {
        let base = try await backend.makeStore()
        let counting = CountingDriver(base.driver)
        let batched = try await Tenant.make(SQLTesseraStore(driver: counting))
        let alone = try await Tenant.make(base)
        let start: TimeInterval = 1_800_000_000
        await propertyCheck(count: 20, input: Self.together) { steps in
            let run = UUID().uuidString
            func request(
                _ tenant: Tenant, _ member: MemberID, _ operation: PointsOperation, key: String, at: TimeInterval
            )
                -> PointsRequest
            {
                PointsRequest(
                    group: tenant.principal.groupID, brand: tenant.principal.brandID, member: member,
                    operation: operation, reason: "t", source: PointsSource(type: "system"),
                    idempotencyKey: "\(run)-\(key)", at: Date(timeIntervalSince1970: at))
            }
            // Three members with a history each (the first's lot expires before the list runs),
            // and one that does not exist.
            func members(_ tenant: Tenant) async throws -> [MemberID] {
                var members: [MemberID] = []
                for index in 0..<3 {
                    let member = try await tenant.newMember("external:\(run)-\(index)")
                    _ = try await tenant.store.applyPoints(
                        request(
                            tenant, member,
                            .credit(
                                100, kind: .earn, expiresAt: index == 0 ? Date(timeIntervalSince1970: start + 1) : nil),
                            key: "k\(index)", at: start))
                    members.append(member)
                }
                return members + [MemberID("nobody-\(run)")]
            }
            let requests = { (tenant: Tenant, members: [MemberID]) in
                steps.map { member, pick, points, key in
                    let operation: PointsOperation =
                        switch pick {
                        case 0: .credit(Int64(points), kind: .earn, expiresAt: Date(timeIntervalSince1970: start + 99))
                        case 1: .debit(Int64(points), kind: .redeem)
                        case 2: .clawBack(Int64(points))
                        default: .expire
                        }
                    return request(tenant, members[member], operation, key: "k\(key)", at: start + 10)
                }
            }
            let batchedMembers = try await members(batched)
            let aloneMembers = try await members(alone)
            let runsBefore = counting.runs
            let results = await batched.store.applyPoints(together: requests(batched, batchedMembers))
            let runs = counting.runs - runsBefore
            var expected: [Result<PointsOutcome, any Error>] = []
            for each in requests(alone, aloneMembers) {
                do { expected.append(.success(try await alone.store.applyPoints(each))) } catch {
                    expected.append(.failure(error))
                }
            }
            #expect(results.count == expected.count)
            var decidedAlone = 0
            for (result, wanted) in zip(results, expected) {
                switch (result, wanted) {
                case (.success(let outcome), .success(let wanted)):
                    let shape = { (outcome: PointsOutcome) in
                        outcome.entries.map { [$0.kind.rawValue, "\($0.points)", "\($0.debt)", $0.idempotencyKey] }
                    }
                    #expect(shape(outcome) == shape(wanted) && outcome.replayed == wanted.replayed)
                    // A replay reports the balance when it ran; alone-after-the-batch that is later.
                    if wanted.replayed {
                        decidedAlone += 1
                    } else {
                        #expect((outcome.balance, outcome.debt) == (wanted.balance, wanted.debt))
                    }
                case (.failure(let error), .failure(let wanted)):
                    #expect(error as? TesseraError == wanted as? TesseraError)
                    // The ledger's own refusals are decided in the batch; the rest run alone.
                    if case TesseraError.rejected(let code, _, _) = wanted, code != "idempotency_key_reused" {
                    } else {
                        decidedAlone += 1
                    }
                default:
                    Issue.record("together \(result), alone \(wanted)")
                }
            }
            #expect(runs <= 1 + decidedAlone, "the batch fell back to one transaction per operation")
            for (mine, theirs) in zip(batchedMembers.prefix(3), aloneMembers.prefix(3)) {
                let account = Account(tenant: batched, member: mine)
                let stored = try await batched.store.pointsAccount(
                    group: account.group, brand: account.brand, member: mine)
                let wanted = try await alone.store.pointsAccount(
                    group: alone.principal.groupID, brand: alone.principal.brandID, member: theirs)
                #expect(stored.balance == wanted.balance && stored.debt == wanted.debt)
                // Lots earned at one instant with one expiry are interchangeable (their order is their
                // random ids'): compared by what is left of each such kind.
                let kinds = { (lots: [PointsLot]) in
                    lots.reduce(into: [String: Int64]()) {
                        $0["\($1.earnedAt) \(String(describing: $1.expiresAt))", default: 0] += $1.remaining
                    }
                }
                #expect(kinds(stored.lots) == kinds(wanted.lots))
                let audit = try await account.audit()
                #expect(
                    audit.balance == stored.balance && audit.entries == stored.balance && audit.lots == stored.balance)
                #expect(audit.debt == stored.debt && audit.entryDebt == stored.debt && audit.badLots == 0)
            }
        }
    }

    /// PostgreSQL's versioned batch reads without locks and writes only if every account it changes
    /// still has the row version it read. Here another redemption of 60 commits between its read
    /// (balance 100) and its write: the write must notice, write nothing, and the batch run again
    /// with its locks taken up front — ending at 100 − 60 − 30 = 10, not at the 70 the stale read
    /// would write over lots holding 10.
    @Test func aVersionedBatchThatReadAChangedAccountRunsAgainWithLocks() async throws {
        let base = try await Backend.postgres.makeStore()
        let driver = InterleavingDriver(base.driver)
        let tenant = try await Tenant.make(SQLTesseraStore(driver: driver))
        let account = try await Account(tenant: tenant, member: tenant.newMember("external:stale-\(UUID())"))
        try await account.apply(.credit(100, kind: .earn, expiresAt: nil), key: "earn")
        let owner: [SQLValue] = [
            .text(account.group.rawValue), .text(account.brand.rawValue), .text(account.member.rawValue),
        ]
        let where_ = "WHERE group_id = ? AND brand_id = ? AND member_id = ?"
        driver.inject([
            SQLStatement("UPDATE points_lots SET remaining = remaining - 60 \(where_)", owner),
            SQLStatement("UPDATE points_accounts SET balance = balance - 60 \(where_)", owner),
            SQLStatement(
                """
                INSERT INTO points_entries (group_id, id, brand_id, member_id, kind, points, debt, reason, \
                source_type, idempotency_key, consumed, occurred_at) \
                VALUES (?, ?, ?, ?, 'redeem', -60, 0, 'concurrent', 'system', ?, '[]', 0)
                """,
                [owner[0], .text(UUID().uuidString), owner[1], owner[2], .text("concurrent-\(UUID())")]),
        ])
        let runs = driver.runs
        let outcome = try await account.apply(.debit(30, kind: .redeem), key: "redeem")
        #expect(driver.injected, "the versioned batch ran and read before writing")
        #expect(driver.runs - runs == 2, "one versioned run, unsettled, then one with upfront locks")
        #expect(outcome.balance == 10)
        let audit = try await account.audit()
        #expect(audit.balance == 10 && audit.entries == 10 && audit.lots == 10 && audit.badLots == 0)
    }

    /// Many operations together go in batches of ``largestBatch`` — SQLite's compound SELECTs have at
    /// most 500 terms, so a batch that consumes hundreds of lots still runs as one transaction.
    @Test(arguments: Backend.allCases)
    func manyOperationsTogetherRunInFewTransactions(backend: Backend) async throws {
        let base = try await backend.makeStore()
        let counting = CountingDriver(base.driver)
        let tenant = try await Tenant.make(SQLTesseraStore(driver: counting))
        let account = try await Account(tenant: tenant, member: tenant.newMember("external:many-\(UUID())"))
        func request(_ operation: PointsOperation, _ key: String) -> PointsRequest {
            PointsRequest(
                group: account.group, brand: account.brand, member: account.member, operation: operation,
                reason: "t", source: PointsSource(type: "system"), idempotencyKey: key,
                at: Date(timeIntervalSince1970: 1_800_000_000))
        }
        var runs = counting.runs
        let credits = await tenant.store.applyPoints(
            together: (0..<300).map { request(.credit(1, kind: .earn, expiresAt: nil), "c\($0)") })
        #expect(counting.runs - runs == 3, "300 operations are three batches (128, 128, 44)")
        #expect(try credits.last?.get().balance == 300)
        runs = counting.runs
        let spent = await tenant.store.applyPoints(
            together: [
                request(.debit(300, kind: .redeem), "spend"), request(.credit(5, kind: .earn, expiresAt: nil), "e"),
            ])
        #expect(counting.runs - runs == 1)
        #expect(try spent[0].get().entries.first?.consumed.count == 300)
        #expect(try spent[1].get().balance == 5)
        let audit = try await account.audit()
        #expect(audit.balance == 5 && audit.entries == 5 && audit.lots == 5 && audit.badLots == 0)
    }

    @Test(arguments: Backend.allCases)
    func programsAreVersioned(backend: Backend) async throws {
        let account = try await Account.make(backend)
        let store = account.tenant.store
        #expect(try await store.loyaltyProgram(group: account.group, brand: account.brand).version == 0)
        let program = LoyaltyProgram(timeZone: "Europe/Berlin", pointsExpiry: .endOfYear(1))
        #expect(
            try await store.setLoyaltyProgram(.standard, group: account.group, brand: account.brand, at: Date()) == 1)
        #expect(try await store.setLoyaltyProgram(program, group: account.group, brand: account.brand, at: Date()) == 2)
        let current = try await store.loyaltyProgram(group: account.group, brand: account.brand)
        #expect(current.version == 2 && current.program == program)
    }
}

extension Tenant {
    /// A registered member created through ingest, by one identifier.
    func newMember(_ identifier: String) async throws -> MemberID {
        let result = try await send([
            try message("new-" + identifier, [identifier], kind: .identify, registers: true)
        ])
        guard let id = result.results.first?.memberID else { throw SetupError("no member for \(identifier)") }
        return id
    }
}

/// A driver that counts the transactions it is asked to run, around a real one.
final class CountingDriver: SQLDriver {
    private let base: any SQLDriver
    private let count = Mutex(0)

    init(_ base: any SQLDriver) { self.base = base }

    var runs: Int { count.withLock { $0 } }
    var dialect: SQLDialect { base.dialect }

    func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output {
        count.withLock { $0 += 1 }
        return try await base.run(program, writes: writes)
    }

    func runWithoutTransaction<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        count.withLock { $0 += 1 }
        return try await base.runWithoutTransaction(program)
    }

    func close() async throws { try await base.close() }
}

/// A driver that, once, commits `statements` of its own between the first query of a program run
/// without a transaction and the program's next step — another writer's change landing between a
/// versioned batch's read and its write.
final class InterleavingDriver: SQLDriver {
    private let base: any SQLDriver
    private let state = Mutex((runs: 0, pending: [SQLStatement](), injected: false))

    init(_ base: any SQLDriver) { self.base = base }

    var dialect: SQLDialect { base.dialect }
    var runs: Int { state.withLock { $0.runs } }
    var injected: Bool { state.withLock { $0.injected } }

    func inject(_ statements: [SQLStatement]) { state.withLock { $0.pending = statements } }

    func run<Program: SQLProgram>(_ program: Program, writes: Bool) async throws -> Program.Output {
        state.withLock { $0.runs += 1 }
        return try await base.run(program, writes: writes)
    }

    func runWithoutTransaction<Program: SQLProgram>(_ program: Program) async throws -> Program.Output {
        let pending = state.withLock { state in
            state.runs += 1
            defer { state.pending = [] }
            return state.pending
        }
        if !pending.isEmpty { state.withLock { $0.injected = true } }
        return try await base.runWithoutTransaction(Interleaved(inner: program, injected: pending))
    }

    func close() async throws { try await base.close() }

    /// `inner`, with `injected` executed right after its first query.
    struct Interleaved<Inner: SQLProgram>: SQLProgram {
        var inner: Inner
        let injected: [SQLStatement]
        private var held: [SQLRow]?
        private var steps = 0

        init(inner: Inner, injected: [SQLStatement]) { (self.inner, self.injected) = (inner, injected) }

        mutating func start() throws -> SQLStep<Inner.Output> {
            steps = 0
            held = nil
            return try inner.start()
        }

        mutating func resume(_ rows: [SQLRow]) throws -> SQLStep<Inner.Output> {
            steps += 1
            if steps == 1, !injected.isEmpty {
                held = rows
                return .execute(injected)
            }
            if let rows = held {
                held = nil
                return try inner.resume(rows)
            }
            return try inner.resume(rows)
        }
    }
}
