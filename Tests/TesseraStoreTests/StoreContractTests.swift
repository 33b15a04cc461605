import Foundation
import Testing
import TesseraCore
import TesseraDomain
import TesseraPostgres

/// One contract suite, run against SQLite and PostgreSQL.
@Suite("Store contract")
struct StoreContractTests {
    @Test(arguments: Backend.allCases)
    func migrationsAreIdempotent(backend: Backend) async throws {
        let store = try await backend.makeStore()
        #expect(try await store.migrate() == [])
    }

    /// The rows of a schema question asked of a freshly migrated store, in each database's catalogue.
    private static func catalogue(_ backend: Backend, postgres: String, sqlite: String) async throws -> [SQLRow] {
        let store = try await backend.makeStore()
        return try await store.driver.run(
            QueryProgram(SQLStatement(backend == .postgres ? postgres : sqlite, []), map: { $0 }), writes: false)
    }

    /// Text compares byte by byte in every table, as the code orders identifiers, keys and cursors
    /// (migration 0035): SQLite's columns declare no collation (so `BINARY`); PostgreSQL's are
    /// `COLLATE "C"` whatever the database's locale — checked on every table the migrations create,
    /// the ingest log's too, in a schema of their own (the shared test database also holds the
    /// scratch tables of other tests).
    @Test(arguments: Backend.allCases)
    func everyTextColumnComparesByteWise(backend: Backend) async throws {
        guard backend == .postgres else {
            let store = try await backend.makeStore()
            let log = try await backend.makeIngestLog(beside: store)
            for driver in [store.driver, log.driver] {
                let declared = try await driver.run(
                    QueryProgram(
                        SQLStatement("SELECT name FROM sqlite_schema WHERE sql LIKE '%COLLATE%'", []),
                        map: { $0.compactMap { $0.text(0) } }), writes: false)
                #expect(declared == [])
            }
            return
        }
        let url = try #require(ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"])
        let schema = "collation_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresDriver(url: url, maximumConnections: 1)
        try await admin.run(ExecuteProgram([SQLStatement("CREATE SCHEMA \(schema)", [])]), writes: true)
        let driver = try PostgresDriver(url: url + "?search_path=\(schema)", maximumConnections: 2)
        let dropSchema = {
            try await driver.close()
            try await admin.run(ExecuteProgram([SQLStatement("DROP SCHEMA \(schema) CASCADE", [])]), writes: true)
            try await admin.close()
        }
        let columns: [(String, String)]
        do {
            try await SQLTesseraStore(driver: driver).migrate()
            try await IngestLog(driver: driver).migrate()
            columns = try await driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT c.relname || '.' || a.attname, co.collname FROM pg_attribute a \
                        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation co ON co.oid = a.attcollation \
                        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 \
                        AND NOT a.attisdropped AND a.atttypid = 'text'::regtype ORDER BY 1
                        """, []),
                    map: { $0.map { ($0.text(0) ?? "", $0.text(1) ?? "") } }), writes: false)
        } catch {
            try await dropSchema()
            throw error
        }
        try await dropSchema()
        #expect(columns.filter { $0.1 != "C" }.map { "\($0.0): \($0.1)" } == [])
        #expect(columns.count > 300)
        #expect(columns.contains { $0.0 == "ingest_log.group_id" })
    }

    /// PostgreSQL leaves room on `members` and `journey_runs` pages for heap-only updates
    /// (migrations 0022 and 0027); SQLite has no such setting but records the migrations like any other.
    @Test(arguments: Backend.allCases)
    func membersAndRunsLeaveRoomForHeapOnlyUpdates(backend: Backend) async throws {
        let options = try await Self.catalogue(
            backend,
            postgres: """
                SELECT relname, array_to_string(reloptions, ',') FROM pg_class \
                WHERE relname IN ('members', 'journey_runs') AND relnamespace = current_schema()::regnamespace \
                ORDER BY relname
                """,
            sqlite: """
                SELECT CASE id WHEN '0022_member_fillfactor' THEN 'members' ELSE 'journey_runs' END, \
                CASE id WHEN '0022_member_fillfactor' THEN 'fillfactor=80' ELSE 'fillfactor=50' END \
                FROM schema_migrations WHERE id IN ('0022_member_fillfactor', '0027_journey_run_fillfactor') \
                ORDER BY 1
                """
        ).map { [$0.text(0), $0.text(1)] }
        #expect(options == [["journey_runs", "fillfactor=50"], ["members", "fillfactor=80"]])
    }

    /// The workers' queues index only the rows they look for (migration 0023): ended runs and
    /// settled messages and grants add no entry to them.
    @Test(arguments: Backend.allCases)
    func queueIndexesHoldOnlyWaitingRows(backend: Backend) async throws {
        let definitions = try await Self.catalogue(
            backend,
            postgres:
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND (indexname LIKE 'journey_%_due' OR indexname LIKE 'journey_%_queue')",
            sqlite: "SELECT name, sql FROM sqlite_master WHERE name LIKE 'journey_%_due' OR name LIKE 'journey_%_queue'"
        ).map { ($0.text(0) ?? "", $0.text(1) ?? "") }
        #expect(
            definitions.map(\.0).sorted() == ["journey_grants_queue", "journey_messages_queue", "journey_runs_due"])
        for (name, definition) in definitions {
            let status = name == "journey_runs_due" ? "'active'" : "'queued'"
            #expect(
                definition.hasSuffix("WHERE (status = \(status)::text)")
                    || definition.hasSuffix("WHERE status = \(status)"))
        }
    }

    @Test(arguments: Backend.allCases)
    func identifyCreatesAMemberWithNormalisedIdentifiersAndProfile(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let profile = ProfilePatch(
            name: "Ann", gender: "female", birthday: "1990-02-28", consent: ["sms": true], traits: ["vip": .bool(true)])
        try await tenant.send([
            try message(
                "m1", ["external:u1", "phone:138 0000 0000"], kind: .identify, registers: true, name: nil,
                profile: profile)
        ])
        let member = try #require(try await tenant.member("phone:+8613800000000"))
        #expect(member.kind == .member)
        #expect(member.identifiers == ["external:u1", "phone:+8613800000000"])
        #expect(member.profile.name == "Ann")
        #expect(member.profile.birthday == "1990-02-28")
        #expect(member.profile.consent == ["sms": true])
        #expect(member.profile.traits["vip"] == .bool(true))
        #expect(member.aggregates.eventCount == 1)
        #expect(member.channels.map(\.channel) == ["web"])
    }

    /// Multi-row writes travel as array literals on PostgreSQL (``BulkInsert``): quotes, backslashes,
    /// control characters and non-ASCII text come back exactly as sent.
    @Test(arguments: Backend.allCases)
    func textSurvivesMultiRowWritesExactly(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let awkward = "q\"uote \\ back\\\\slash\ttab\nline {a,b} NULL 中文 😀"
        var event = try message("t1", ["external:a\"b\\c,{NULL}"], name: "Viewed \"x\"")
        event.properties = .object(["note": .string(awkward), "nested": .object(["k": .string("v\\")])])
        event.brandID = tenant.principal.brandID
        let profile = ProfilePatch(name: awkward, traits: ["note": .string(awkward)])
        try await tenant.send([
            event, try message("t2", ["external:plain"]),
            try message("t3", ["external:a\"b\\c,{NULL}"], kind: .identify, name: nil, profile: profile),
        ])
        let member = try #require(try await tenant.member("external:a\"b\\c,{NULL}"))
        #expect(member.identifiers == ["external:a\"b\\c,{NULL}"])
        #expect(member.profile.name == awkward)
        #expect(member.profile.traits["note"] == .string(awkward))
        let facts = try #require(
            try await tenant.store.memberFacts(
                group: tenant.principal.groupID, brand: tenant.principal.brandID, member: member.id, needs: .all))
        #expect(facts.events.map(\.name) == ["Viewed \"x\""])
        #expect(facts.events.first?.properties == ["note": .string(awkward), "nested": .object(["k": .string("v\\")])])
    }

    @Test(arguments: Backend.allCases)
    func replayedMessagesHaveNoSecondEffect(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let brand = tenant.principal.brandID
        let batch = [try message("a", ["anonymous:x"], brand: brand), try message("b", ["anonymous:x"], brand: brand)]
        let first = try await tenant.send(batch)
        let second = try await tenant.send(batch + [try message("a", ["anonymous:x"], brand: brand)])
        #expect(first.accepted == 2)
        #expect(second.accepted == 0 && second.duplicates == 3)
        #expect(try await tenant.member("anonymous:x")?.aggregates.eventCount == 2)
        if let summaries = try await tenant.eventSummaries() {
            #expect(summaries.stored.count == 1 && summaries.stored == summaries.fromEvents)
        }
    }

    /// A prospect who can be reached (an e-mail, a phone, a WeChat id) is told apart from one known
    /// only by a device: when created with the contact, and when an existing prospect gains one,
    /// alone in a batch or beside others.
    @Test(arguments: Backend.allCases)
    func prospectsWithAContactAreToldApart(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let brand = tenant.principal.brandID
        try await tenant.send([
            try message("1", ["anonymous:device-only"], brand: brand),
            try message("2", ["email:new@example.com"], kind: .identify, brand: brand),
            try message("3", ["anonymous:later"], brand: brand),
        ])
        #expect(try await tenant.member("anonymous:device-only")?.kind == .prospect)
        #expect(try await tenant.member("email:new@example.com")?.kind == .prospectWithContact)
        #expect(try await tenant.member("anonymous:later")?.kind == .prospect)
        try await tenant.send([
            try message("4", ["anonymous:later", "phone:+8613800000001"], kind: .identify, brand: brand),
            try message("5", ["anonymous:device-only"], brand: brand),
        ])
        #expect(try await tenant.member("anonymous:later")?.kind == .prospectWithContact)
        #expect(try await tenant.member("anonymous:device-only")?.kind == .prospect)
    }

    @Test(arguments: Backend.allCases)
    func prospectIsAbsorbedWhenTheUserIdentifies(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await tenant.send([try message("1", ["anonymous:a"], at: 100, brand: tenant.principal.brandID)])
        let prospect = try #require(try await tenant.member("anonymous:a"))
        #expect(prospect.kind == .prospect)
        try await tenant.send([try message("2", ["external:u"], kind: .identify, registers: true, at: 200)])
        try await tenant.send([try message("3", ["external:u", "anonymous:a"], kind: .alias, registers: true, at: 300)])
        let member = try #require(try await tenant.member("anonymous:a"))
        #expect(member.kind == .member)
        #expect(member.identifiers == ["anonymous:a", "external:u"])
        #expect(member.aggregates.eventCount == 3)
        #expect(member.aggregates.firstSeenAt == Date(timeIntervalSince1970: 100))
        let merged = try #require(try await tenant.store.member(group: tenant.principal.groupID, id: prospect.id))
        #expect(merged.status == "merged" && merged.mergedInto == member.id)
        if let summaries = try await tenant.eventSummaries() {
            #expect(summaries.stored.count == 1 && summaries.stored == summaries.fromEvents)
        }
    }

    @Test(arguments: Backend.allCases)
    func registeredMembersSharingAWeakIdentifierBecomeACandidate(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await tenant.send([try message("1", ["external:u1", "device:ipad"], registers: true)])
        try await tenant.send([try message("2", ["external:u2"], registers: true)])
        try await tenant.send([try message("3", ["external:u2", "device:ipad"], registers: true)])
        let first = try #require(try await tenant.member("external:u1"))
        let second = try #require(try await tenant.member("external:u2"))
        #expect(first.id != second.id)
        #expect(first.identifiers == ["device:ipad", "external:u1"])
        let candidates = try await tenant.store.mergeCandidates(
            group: tenant.principal.groupID, status: "open", limit: 10)
        #expect(candidates.count == 1)
        #expect(Set([candidates[0].memberID, candidates[0].otherMemberID]) == [first.id, second.id])
        #expect(candidates[0].identifier == "device:ipad")
        try await tenant.store.dismissMergeCandidate(group: tenant.principal.groupID, id: candidates[0].id, at: Date())
        #expect(
            try await tenant.store.mergeCandidates(group: tenant.principal.groupID, status: "open", limit: 10).isEmpty)
        #expect(
            try await tenant.store.mergeCandidates(group: tenant.principal.groupID, status: "dismissed", limit: 10)
                .count == 1)
        await #expect(throws: TesseraError.self) {
            try await tenant.store.dismissMergeCandidate(
                group: tenant.principal.groupID, id: candidates[0].id, at: Date())
        }
    }

    /// A merge's survivor is the member addressed, its merged member a reference: a missing survivor is
    /// "not found", a missing merged member a refusal naming `mergedMemberId`, a member merged into
    /// itself or already merged a conflict — and none of them changes either member.
    @Test(arguments: Backend.allCases)
    func aRefusedMergeSaysWhyAndChangesNothing(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await tenant.send([try message("1", ["external:u1"], registers: true)])
        try await tenant.send([try message("2", ["external:u2"], registers: true)])
        let (one, two) = (
            try #require(try await tenant.member("external:u1")), try #require(try await tenant.member("external:u2"))
        )
        func merge(_ survivor: MemberID, _ merged: MemberID) async throws {
            _ = try await tenant.store.merge(
                group: tenant.principal.groupID, survivor: survivor, merged: merged, actor: "test", reason: "test",
                id: UUID().uuidString, at: Date())
        }
        await #expect(throws: TesseraError.notFound("member nobody not found")) {
            try await merge(MemberID("nobody"), one.id)
        }
        await #expect(
            throws: TesseraError.rejected(
                code: "member_not_found", field: "mergedMemberId", reason: "no member nobody in this group")
        ) { try await merge(one.id, MemberID("nobody")) }
        await #expect(throws: TesseraError.conflict("a member cannot be merged into itself")) {
            try await merge(one.id, one.id)
        }
        try await merge(one.id, two.id)
        await #expect(throws: TesseraError.conflict("member \(two.id) was already merged")) {
            try await merge(one.id, two.id)
        }
        #expect(try await tenant.member("external:u1")?.identifiers == ["external:u1", "external:u2"])
        #expect(try await tenant.store.member(group: tenant.principal.groupID, id: two.id)?.status == "merged")
    }

    @Test(arguments: Backend.allCases)
    func explicitMergeMovesEverythingAndIsAudited(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let order = OrderInput(
            externalID: "o1", channel: "pos", status: .paid, currency: "CNY", totalMinor: 5_000, paidMinor: 5_000,
            occurredAt: Date(timeIntervalSince1970: 50))
        let brand = tenant.principal.brandID
        try await tenant.send([try message("1", ["external:u1"], registers: true, at: 10, brand: brand)])
        try await tenant.send([
            try message("2", ["external:u2"], kind: .order, registers: true, at: 50, order: order, brand: brand)
        ])
        let survivor = try #require(try await tenant.member("external:u1"))
        let merged = try #require(try await tenant.member("external:u2"))
        let record = try await tenant.store.merge(
            group: tenant.principal.groupID, survivor: survivor.id, merged: merged.id, actor: "test",
            reason: "same person",
            id: "merge-1", at: Date())
        #expect(record.identifiers == ["external:u2"])
        #expect(record.movedEvents == 1 && record.movedOrders == 1)
        if let mergedSummaries = try await tenant.eventSummaries() {
            #expect(mergedSummaries.stored.count == 1 && mergedSummaries.stored == mergedSummaries.fromEvents)
        }
        let after = try #require(try await tenant.member("external:u2"))
        #expect(after.id == survivor.id)
        #expect(after.aggregates.eventCount == 2)
        #expect(after.aggregates.orderCount == 1 && after.aggregates.totalSpendMinor == 5_000)
        await #expect(throws: TesseraError.self) {
            try await tenant.store.merge(
                group: tenant.principal.groupID, survivor: survivor.id, merged: merged.id, actor: "t", reason: "again",
                id: "merge-2", at: Date())
        }

        // Undo: everything that came from the merged member goes back to it.
        _ = try await tenant.store.undoMerge(group: tenant.principal.groupID, id: "merge-1", at: Date())
        let restored = try #require(try await tenant.member("external:u2"))
        #expect(restored.id == merged.id && restored.status == "active")
        #expect(restored.aggregates.eventCount == 1 && restored.aggregates.orderCount == 1)
        #expect(restored.aggregates.totalSpendMinor == 5_000)
        let survivorAfter = try #require(try await tenant.member("external:u1"))
        #expect(survivorAfter.identifiers == ["external:u1"])
        #expect(survivorAfter.aggregates.eventCount == 1 && survivorAfter.aggregates.orderCount == 0)
        #expect(survivorAfter.channels.map(\.channel) == ["web"])
        if let undoneSummaries = try await tenant.eventSummaries() {
            #expect(undoneSummaries.stored.count == 2 && undoneSummaries.stored == undoneSummaries.fromEvents)
        }
        await #expect(throws: TesseraError.self) {
            try await tenant.store.undoMerge(group: tenant.principal.groupID, id: "merge-1", at: Date())
        }
    }

    @Test(arguments: Backend.allCases)
    func ordersMoveForwardAndRefundsReverseAggregates(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        func send(_ key: String, _ status: OrderStatus, paid: Int64, refunded: Int64 = 0, at: TimeInterval) async throws
        {
            let order = OrderInput(
                externalID: "o1", channel: "pos", status: status, currency: "CNY", totalMinor: 10_000, paidMinor: paid,
                refundedMinor: refunded,
                items: [OrderItem(sku: "s1", category: "skincare", quantity: 2, unitPriceMinor: 5_000)],
                occurredAt: Date(timeIntervalSince1970: at))
            try await tenant.send([try message(key, ["phone:13900000000"], kind: .order, at: at, order: order)])
        }
        // The purchase projection segment rules read follows every change, in the same transaction.
        func projection() async throws -> [String] {
            try await tenant.store.driver.run(
                QueryProgram(
                    SQLStatement(
                        "SELECT dimension, value, amount_minor FROM purchase_facts WHERE group_id = ? ORDER BY dimension",
                        [.text(tenant.principal.groupID.rawValue)]),
                    map: { rows in rows.map { "\($0.text(0) ?? ""):\($0.text(1) ?? ""):\($0.int(2) ?? -1)" } }),
                writes: false)
        }
        try await send("placed", .placed, paid: 0, at: 1)
        #expect(try await tenant.member("phone:13900000000")?.aggregates.orderCount == 0)
        #expect(try await projection().isEmpty)
        try await send("paid", .paid, paid: 10_000, at: 2)
        var member = try #require(try await tenant.member("phone:13900000000"))
        #expect(member.kind == .customer)
        #expect(member.aggregates.orderCount == 1 && member.aggregates.totalSpendMinor == 10_000)
        #expect(try await projection() == ["category:skincare:10000", "channel:pos:10000"])
        try await send("late-placed", .placed, paid: 0, at: 3)  // an older state arriving late changes nothing
        try await send("partial", .paid, paid: 10_000, refunded: 2_500, at: 4)
        member = try #require(try await tenant.member("phone:13900000000"))
        #expect(member.aggregates.orderCount == 1 && member.aggregates.totalSpendMinor == 7_500)
        #expect(try await projection() == ["category:skincare:10000", "channel:pos:7500"])
        try await send("full", .paid, paid: 10_000, refunded: 10_000, at: 5)
        member = try #require(try await tenant.member("phone:13900000000"))
        #expect(member.aggregates.orderCount == 0 && member.aggregates.totalSpendMinor == 0)
        #expect(try await projection().isEmpty)
        let timeline = try await tenant.store.timeline(
            group: tenant.principal.groupID, member: member.id, before: nil, limit: 50)
        let orderEntry = try #require(timeline.entries.first { $0.source == "order" })
        #expect(orderEntry.type == "refunded")
        #expect(orderEntry.details["refunded_minor"] == .number(10_000))
    }

    @Test(arguments: Backend.allCases)
    func groupsNeverSeeEachOthersMembers(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let first = try await Tenant.make(store)
        let second = try await Tenant.make(store)
        try await first.send([try message("same-key", ["phone:13700000000"], registers: true)])
        #expect(try await second.member("phone:13700000000") == nil)
        let result = try await second.send([try message("same-key", ["phone:13700000000"], registers: true)])
        #expect(result.accepted == 1)
        let a = try #require(try await first.member("phone:13700000000"))
        let b = try #require(try await second.member("phone:13700000000"))
        #expect(a.id != b.id)
        #expect(try await store.member(group: second.principal.groupID, id: a.id) == nil)
    }

    @Test(arguments: Backend.allCases)
    func limitsAndBlocklistKeepIdentifiersOff(backend: Backend) async throws {
        var policy = IdentityPolicy.default
        policy.limits[.phone] = 1
        policy.blocklist = [try Identifier.parse("device:shared-ipad")]
        let tenant = try await Tenant.make(try await backend.makeStore(), policy: policy)
        try await tenant.send([
            try message(
                "1", ["external:u", "phone:13600000001", "phone:13600000002", "device:shared-ipad"], registers: true)
        ])
        let member = try #require(try await tenant.member("external:u"))
        #expect(member.identifiers == ["external:u", "phone:+8613600000001"])
        #expect(try await tenant.member("device:shared-ipad") == nil)
    }

    @Test(arguments: Backend.allCases)
    func timelinePagesCoverEveryEntryOnceNewestFirst(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await tenant.send((0..<7).map { try message("e\($0)", ["external:t"], at: TimeInterval(1_000 + $0 / 2)) })
        let member = try #require(try await tenant.member("external:t"))
        var seen: [String] = []
        var cursor: TimelineCursor?
        repeat {
            let page = try await tenant.store.timeline(
                group: tenant.principal.groupID, member: member.id, before: cursor, limit: 3)
            seen += page.entries.map { $0.details["k"]?.stringValue ?? "" }
            cursor = try page.nextCursor.map { try TimelineCursor(token: $0) }
        } while cursor != nil
        #expect(Set(seen).count == 7 && seen.count == 7)
        #expect(seen.first == "e6" || seen.first == "e5")
        #expect(seen.last == "e0" || seen.last == "e1")
    }
}

@Suite("Custom attributes")
struct AttributeContractTests {
    @Test(arguments: Backend.allCases)
    func declaredAttributesAreTypedAndOthersRejected(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await tenant.store.defineAttribute(
            AttributeDefinition(name: "skin_type", type: .string), group: tenant.principal.groupID,
            brand: tenant.principal.brandID, at: Date())
        try await tenant.store.defineAttribute(
            AttributeDefinition(name: "vip_level", type: .number), group: tenant.principal.groupID,
            brand: tenant.principal.brandID, at: Date())
        await #expect(throws: TesseraError.self) {
            try await tenant.store.defineAttribute(
                AttributeDefinition(name: "vip_level", type: .string), group: tenant.principal.groupID,
                brand: tenant.principal.brandID, at: Date())
        }
        var good = try message("a1", ["external:x"], kind: .member, registers: true)
        good.brandID = tenant.principal.brandID
        good.profile = ProfilePatch(attributes: ["skin_type": .string("dry"), "vip_level": .string("3")])
        var bad = try message("a2", ["external:y"], kind: .member, registers: true)
        bad.profile = ProfilePatch(attributes: ["vip_level": .string("high"), "undeclared": .bool(true)])
        let result = try await tenant.send([good, bad])
        #expect(result.accepted == 1 && result.rejected == 1)
        #expect(result.results[1].errors?.map(\.path) == ["$.attributes.undeclared", "$.attributes.vip_level"])
        let member = try #require(try await tenant.member("external:x"))
        #expect(member.profile.attributes == .object(["skin_type": .string("dry"), "vip_level": .number(3)]))
        #expect(try await tenant.member("external:y") == nil)
    }
}

@Suite("Concurrent writes")
struct ConcurrentWriteTests {
    /// With SQLite's group commit, concurrent writes share transactions; one failing write must
    /// roll back alone and the others must all be stored.
    @Test(arguments: Backend.allCases)
    func aFailingWriteAmongConcurrentOnesRollsBackAlone(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let group = tenant.principal.groupID
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for index in 0..<12 {
                tasks.addTask {
                    let code = index == 11 ? "b" : "brand-\(index)"  // "b" already exists
                    do {
                        try await tenant.store.createBrand(
                            Brand(
                                id: BrandID("brand-id-\(index)-\(UUID().uuidString)"), groupID: group, code: code,
                                name: code),
                            at: Date())
                        return true
                    } catch is TesseraError {
                        return false
                    }
                }
            }
            return try await tasks.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count { $0 } == 11)
        #expect(try await tenant.store.brands(group: group).count == 12)
    }

    @Test(arguments: Backend.allCases)
    func concurrentBatchesNamingTheSamePeopleCreateEachPersonOnce(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for batch in 0..<8 {
                tasks.addTask {
                    let messages = try (0..<30).map { person in
                        try message(
                            "c\(batch)-\(person)", ["external:p\(person)", "anonymous:a\(person)-\(batch)"],
                            registers: true)
                    }
                    try await tenant.send(messages)
                }
            }
            try await tasks.waitForAll()
        }
        for person in 0..<30 {
            let member = try #require(try await tenant.member("external:p\(person)"))
            #expect(member.aggregates.eventCount == 8)
            #expect(member.identifiers.count == 9)
        }
    }
}

@Suite("Identity policy")
struct IdentityPolicyContractTests {
    @Test(arguments: Backend.allCases)
    func policyRoundTripsAndGovernsResolution(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        var policy = IdentityPolicy.default
        policy.priority = [.email, .phone, .external]
        policy.limits[.email] = 1
        policy.blocklist = [try Identifier.parse("phone:13000000000")]
        try await tenant.store.setIdentityPolicy(policy, group: tenant.principal.groupID)
        #expect(try await tenant.store.identityPolicy(group: tenant.principal.groupID) == policy)

        let ingest = IngestService(store: tenant.store)
        let sent = try await ingest.ingest(
            [.success(try message("p1", ["email:a@x.com", "email:b@x.com", "phone:13000000000"], registers: true))],
            principal: tenant.principal)
        let member = try #require(sent.results.first?.memberID)
        let view = try #require(try await tenant.store.member(group: tenant.principal.groupID, id: member))
        #expect(view.identifiers == ["email:a@x.com"])
    }
}
