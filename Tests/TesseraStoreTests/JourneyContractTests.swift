import Foundation
import Logging
import Testing
import TesseraCore
import TesseraDomain
import TesseraWorkers

/// Journeys run on both stores: members enter on events in the ingest transaction, steps run once
/// under leases, waits end on time or on the awaited event, and a stalled worker's step is taken
/// over without being applied twice.
@Suite("Journeys on SQLite and PostgreSQL")
struct JourneyContractTests {
    static let cartJourney = """
        {"entry": {"event": {"name": "Product Added", "unless": {"name": "Order Completed"}, "unlessHours": 1}},
         "start": "remind",
         "nodes": {
           "remind": {"send": {"channel": "log", "template": "cart_reminder", "next": "bought"}},
           "bought": {"waitForEvent": {"event": {"name": "Order Completed"}, "timeoutDays": 1, "next": "won",
                                       "timeout": "mark"}},
           "mark": {"tag": {"name": "cart_lapsed", "next": "end"}},
           "won": {"exit": {"goal": true}},
           "end": {"exit": {}}}}
        """

    private static func event(_ key: String, _ who: String, _ name: String, at: Date, brand: BrandID) throws
        -> IngestMessage
    {
        var message = try message(key, [who], name: name, at: at.timeIntervalSince1970)
        message.brandID = brand
        return message
    }

    private static func services(_ tenant: Tenant, publicURL: String? = nil) -> JourneyService {
        JourneyService(store: tenant.store, segments: SegmentService(store: tenant.store), publicURL: publicURL)
    }

    /// The welcome plan several tests here run, saved and published as `name` with its template:
    /// a follow enters the member, who gets one log message and leaves — after a minute's wait
    /// when `waitingFirst`. Answers the plan's id.
    private static func publishWelcome(
        _ tenant: Tenant, _ journeys: JourneyService, name: String = "welcome", waitingFirst: Bool = false,
        at start: Date
    ) async throws -> String {
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        try await templates(tenant, ["welcome"])
        let wait = #""pause": {"wait": {"minutes": 1, "next": "hello"}}, "#
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"event": {"name": "follow"}}, "start": "\(waitingFirst ? "pause" : "hello")",
                 "nodes": {\(waitingFirst ? wait : "")"hello": {"send": {"channel": "log", "template": "welcome", "next": "end"}},
                           "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: name, draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        return saved.record.id
    }

    /// Message templates the journeys below send.
    private static func templates(_ tenant: Tenant, _ names: [String]) async throws {
        for name in names {
            try await tenant.store.saveMessageTemplate(
                MessageTemplate(
                    name: name,
                    body:
                        "Hi {{#member.name}}{{member.name}}{{/member.name}}{{^member.name}}there{{/member.name}}: \(name)"
                ),
                group: tenant.principal.groupID, brand: tenant.principal.brandID, at: Date())
        }
    }

    /// A message shows what its template names — the brand account (points, tier) and the cart —
    /// although no rule of the plan reads them: the step loads the facts its templates render too.
    @Test(arguments: Backend.allCases)
    func messagesRenderTheAccountAndCartTheirTemplatesName(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
        try await tenant.store.saveMessageTemplate(
            MessageTemplate(
                name: "balance",
                body: "{{member.points}} points, {{member.tier}}, {{member.cart.quantity}} in the cart"),
            group: group, brand: brand, at: start)
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"event": {"name": "follow"}}, "start": "hello",
                 "nodes": {"hello": {"send": {"channel": "log", "template": "balance", "next": "end"}},
                           "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "balance", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        try await tenant.send([try Self.event("f1", "external:x", "follow", at: start, brand: brand)])
        let member = try #require(try await tenant.member("external:x")).id.rawValue
        let (g, b, m) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue), SQLValue.text(member))
        try await tenant.store.driver.run(
            ExecuteProgram([
                SQLStatement(
                    "INSERT INTO points_accounts (group_id, brand_id, member_id, balance, debt, updated_at) VALUES (?, ?, ?, 120, 0, 0)",
                    [g, b, m]),
                SQLStatement(
                    """
                    INSERT INTO loyalty_members (group_id, brand_id, member_id, tier, growth, anchor, updated_at) \
                    VALUES (?, ?, ?, 'gold', 0, 0, 0)
                    """, [g, b, m]),
                SQLStatement(
                    """
                    INSERT INTO cart_items (group_id, member_id, brand_id, sku, quantity, unit_price_minor, currency, \
                    added_at, updated_at) VALUES (?, ?, ?, 'SKU-1', 2, 990, 'CNY', 0, 0)
                    """, [g, m, b]),
            ]), writes: true)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 1)
        let sent = try await tenant.store.journeyMessages(
            group: group, journeyID: saved.record.id, status: "delivered", reason: nil, limit: 10)
        #expect(sent.map(\.body) == ["120 points, gold, 2 in the cart"])
    }

    @Test(arguments: Backend.allCases)
    func eventJourneysWaitExcludeConvertAndNeverRepeat(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        // Times are near the real clock: ingest stamps wake-ups with the time it receives events.
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
        func at(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }
        try await tenant.store.defineTag(
            TagDefinition(name: "cart_lapsed", category: .interaction, kind: .process), group: group, brand: brand,
            at: start)
        try await Self.templates(tenant, ["cart_reminder"])
        let draft = try JSONParser.parse(Array(Self.cartJourney.utf8))
        let saved = try await journeys.save(name: "abandoned_cart", draft: draft, group: group, brand: brand, at: start)
        #expect(saved.created && saved.record.status == .draft)
        let published = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        #expect(published.status == .published && published.version == 1)

        try await tenant.send([
            try Self.event("a1", "external:a", "Product Added", at: at(0), brand: brand),
            try Self.event("b1", "external:b", "Product Added", at: at(0), brand: brand),
            try Self.event("c1", "external:c", "Product Added", at: at(0), brand: brand),
        ])
        try await tenant.send([try Self.event("b2", "external:b", "Order Completed", at: at(10), brand: brand)])
        // A replayed event and a second cart of the same member enter nobody again (one entry each).
        try await tenant.send([
            try Self.event("a1", "external:a", "Product Added", at: at(0), brand: brand),
            try Self.event("a2", "external:a", "Product Added", at: at(5), brand: brand),
        ])
        // b's order woke its entry, which the order excludes at once; a and c wait out the hour.
        #expect(try await journeys.runDue(at: at(30), group: group) == 1)
        #expect(try await journeys.runDue(at: at(31), group: group) == 0)
        // After the hour a and c are reminded once and wait a day (from the hour's end) for an order.
        #expect(try await journeys.runDue(at: at(61), group: group) == 2)
        #expect(try await journeys.runDue(at: at(62), group: group) == 0)
        var statistics = try await tenant.store.journeyStatistics(group: group, journeyID: saved.record.id)
        #expect(statistics.runs == ["active": 2, "excluded": 1])
        #expect(statistics.messages["remind"] == ["delivered": 2])
        let sent = try await tenant.store.journeyMessages(
            group: group, journeyID: saved.record.id, status: "delivered", reason: nil, limit: 10)
        #expect(sent.map(\.body) == ["Hi there: cart_reminder", "Hi there: cart_reminder"])

        // a orders: its wait ends at once (ingest wakes it); c's ends at the timeout and is tagged.
        try await tenant.send([try Self.event("a3", "external:a", "Order Completed", at: at(90), brand: brand)])
        #expect(try await journeys.runDue(at: at(91), group: group) == 1)
        #expect(try await journeys.runDue(at: at(60 + 24 * 60 - 1), group: group) == 0)
        #expect(try await journeys.runDue(at: at(60 + 24 * 60), group: group) == 1)
        statistics = try await tenant.store.journeyStatistics(group: group, journeyID: saved.record.id)
        #expect(statistics.runs == ["goal": 1, "exited": 1, "excluded": 1])
        #expect(statistics.visits["bought"] == ["event": 1, "timeout": 1])
        #expect(statistics.messages["remind"] == ["delivered": 2])
        let c = try #require(try await tenant.member("external:c"))
        #expect(
            try await tenant.store.memberTags(group: group, brand: brand, member: c.id).map(\.tag) == ["cart_lapsed"])
    }

    /// Writing a step gives its run back: a run waiting a minute is due again after that minute,
    /// not only once the lease of the worker that moved it (five minutes here) has run out.
    @Test(arguments: Backend.allCases)
    func aWrittenStepReleasesItsRun(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = JourneyService(
            store: tenant.store, segments: SegmentService(store: tenant.store), leaseSeconds: 300)
        let start = Date()
        let plan = try await Self.publishWelcome(tenant, journeys, waitingFirst: true, at: start)
        try await tenant.send([try Self.event("f1", "external:f", "follow", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 1)  // into the wait
        #expect(try await journeys.runDue(at: start.addingTimeInterval(30), group: group) == 0)  // still waiting
        #expect(try await journeys.runDue(at: start.addingTimeInterval(62), group: group) == 1)  // sent, ended
        try await Self.expectEveryoneSent(tenant, journey: plan, node: "hello", members: 1)
    }

    /// Visits are counted per node and branch, adding up across the batches that wrote them; a row
    /// per visit stays only for visits that took a branch.
    @Test(arguments: Backend.allCases)
    func visitCountsAddUpAcrossBatches(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        let plan = try await Self.publishWelcome(tenant, journeys, at: start)
        for (index, who) in ["external:a", "external:b", "external:c"].enumerated() {
            try await tenant.send([try Self.event("f\(index)", who, "follow", at: start, brand: brand)])
            #expect(try await journeys.runDue(at: start.addingTimeInterval(Double(index + 1)), group: group) == 1)
        }
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: plan)
        #expect(statistics.visits == ["hello": ["": 3], "end": ["": 3]])
        let rows = try await tenant.store.driver.run(
            QueryProgram(
                SQLStatement("SELECT COUNT(*) FROM journey_visits WHERE journey_id = ?", [.text(plan)]),
                map: { $0.first?.int(0) }), writes: false)
        #expect(rows == 0)
    }

    /// A paused plan's runs wait where they are while other plans' runs go on, and go on when it is
    /// resumed: the leases take only the runs of published plans.
    @Test(arguments: Backend.allCases)
    func aPausedPlansRunsWaitWhileOtherPlansRun(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        var plans: [String] = []
        for name in ["first", "second"] {
            plans.append(try await Self.publishWelcome(tenant, journeys, name: name, waitingFirst: true, at: start))
        }
        try await tenant.send([try Self.event("f1", "external:f", "follow", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 2)  // both into the wait
        _ = try await journeys.setStatus(.paused, id: plans[0], group: group, brand: brand, at: start)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(62), group: group) == 1)  // the second only
        #expect(try await journeys.runDue(at: start.addingTimeInterval(63), group: group) == 0)
        _ = try await journeys.setStatus(.published, id: plans[0], group: group, brand: brand, at: start)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(64), group: group) == 1)  // resumed
        for plan in plans {
            let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: plan)
            #expect(statistics.messages["hello"] == ["delivered": 1])
        }
    }

    @Test(arguments: Backend.allCases)
    func aStalledWorkersStepIsTakenOverAndAppliedOnce(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        let plan = try await Self.publishWelcome(tenant, journeys, at: start)
        try await tenant.send([try Self.event("f1", "external:f", "follow", at: start, brand: brand)])

        // A worker claims the step and stalls (killed, or paused past its lease).
        let stalled = try await tenant.store.claimJourneyRuns(
            now: start.addingTimeInterval(1), limit: 10, leaseSeconds: 60, token: "stalled", group: group)
        #expect(stalled.count == 1)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(30), group: group) == 0)  // still leased
        #expect(try await journeys.runDue(at: start.addingTimeInterval(62), group: group) == 1)  // lease over: taken over
        // The stalled worker wakes up and writes its step: nothing applies.
        let late = JourneyStep(
            run: stalled[0],
            advance: JourneyAdvance(
                actions: [
                    .visit(node: "hello", branch: nil), .send(node: "hello", channel: "log", template: "welcome"),
                    .visit(node: "end", branch: nil),
                ],
                next: .finished(node: "end", .exited)), wakeOn: nil)
        #expect(try await tenant.store.completeJourneySteps([late], token: "stalled", at: start).isEmpty)
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: plan)
        #expect(statistics.messages["hello"] == ["delivered": 1])
        #expect(statistics.visits == ["hello": ["": 1], "end": ["": 1]])
        #expect(statistics.runs == ["exited": 1])

        // Paused journeys hold their runs and enter nobody; stopped ones end what is in flight.
        _ = try await journeys.setStatus(.paused, id: plan, group: group, brand: brand, at: start)
        try await tenant.send([try Self.event("f2", "external:g", "follow", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(120), group: group) == 0)
        await #expect(throws: TesseraError.self) {
            _ = try await journeys.setStatus(.paused, id: plan, group: group, brand: brand, at: start)
        }
        _ = try await journeys.setStatus(.stopped, id: plan, group: group, brand: brand, at: start)
        await #expect(throws: TesseraError.self) {
            _ = try await journeys.publish(id: plan, group: group, brand: brand, at: start)
        }
    }

    /// A step goes to its run's row where the lease found it; a run whose row is no longer there
    /// (rewritten since on PostgreSQL; here also two runs' addresses swapped, so each names the other,
    /// leased under the same token) is found by id, and no step is applied to another run's row.
    @Test(arguments: Backend.allCases)
    func stepsFindTheirRunsWhenTheLeasedRowsMoved(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        let plan = try await Self.publishWelcome(tenant, journeys, at: start)
        try await tenant.send(
            try ["a", "b", "c"].map { try Self.event("f\($0)", "external:\($0)", "follow", at: start, brand: brand) })
        let leased = try await tenant.store.claimJourneyRuns(
            now: start.addingTimeInterval(1), limit: 10, leaseSeconds: 60, token: "lease", group: group)
        #expect(leased.count == 3)
        #expect(leased.allSatisfy { $0.leasedRow != nil })
        // The third run's row is rewritten while leased (a new row version on PostgreSQL).
        try await tenant.store.driver.run(
            ExecuteProgram([
                SQLStatement("UPDATE journey_runs SET updated_at = updated_at + 1 WHERE id = ?", [.text(leased[2].id)])
            ]), writes: true)
        var (first, second) = (leased[0], leased[1])
        (first.leasedRow, second.leasedRow) = (second.leasedRow, first.leasedRow)
        let sent = JourneyAdvance(
            actions: [.send(node: "hello", channel: "log", template: "welcome")],
            next: .finished(node: "end", .exited))
        let waiting = JourneyAdvance(
            actions: [],
            next: .wait(JourneyRunState(node: "hello", since: 7, enteredAt: 0, entering: false), due: 99))
        let applied = try await tenant.store.completeJourneySteps(
            [
                JourneyStep(run: first, advance: sent, wakeOn: nil),
                JourneyStep(run: second, advance: waiting, wakeOn: nil),
                JourneyStep(run: leased[2], advance: sent, wakeOn: nil),
            ], token: "lease", at: start)
        #expect(Set(applied.map(\.id)) == Set(leased.map(\.id)))
        let runs = try await tenant.store.driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT id, node_id, status, since, lease_token FROM journey_runs WHERE journey_id = ?",
                    [.text(plan)]),
                map: { rows in
                    Dictionary(
                        uniqueKeysWithValues: rows.map { row in
                            (
                                row.text(0) ?? "",
                                "\(row.text(1) ?? "") \(row.text(2) ?? "") \(row.int(3) ?? 0) \(row.text(4) ?? "-")"
                            )
                        })
                }), writes: false)
        let entered = leased[0].state.since
        #expect(
            runs == [
                leased[0].id: "end done \(entered) -", leased[1].id: "hello active 7 -",
                leased[2].id: "end done \(entered) -",
            ])
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: plan)
        #expect(statistics.messages["hello"] == ["delivered": 2])
    }

    @Test(arguments: Backend.allCases)
    func frequencyCapsCountEveryJourneysDeliveries(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        try await Self.templates(tenant, ["a", "b"])
        _ = try await journeys.saveDeliveryPolicy(
            try JSONParser.parse(Array(#"{"caps": {"log": {"perDay": 2}}}"#.utf8)), group: group, brand: brand,
            at: start)
        for (name, event) in [("first", "follow"), ("second", "share")] {
            let draft = try JSONParser.parse(
                Array(
                    """
                    {"entry": {"event": {"name": "\(event)"}}, "start": "a", "nodes": {
                      "a": {"send": {"channel": "log", "template": "a", "next": "b"}},
                      "b": {"send": {"channel": "log", "template": "b", "next": "end"}}, "end": {"exit": {}}}}
                    """.utf8))
            let saved = try await journeys.save(name: name, draft: draft, group: group, brand: brand, at: start)
            _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        }
        try await tenant.send([try Self.event("f", "external:x", "follow", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 1)
        try await tenant.send([try Self.event("s", "external:x", "share", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(2), group: group) == 1)
        // Two deliveries a day: the second journey's messages are recorded as capped, not sent.
        let second = try #require(try await tenant.store.journey(group: group, brand: brand, named: "second"))
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: second.id)
        #expect(statistics.messages["a"] == ["failed": 1] && statistics.messages["b"] == ["failed": 1])
        #expect(statistics.visits["a"] == ["suppressed": 1])
        let reasons = try await tenant.store.driver.run(
            QueryProgram(
                SQLStatement(
                    "SELECT DISTINCT reason FROM journey_messages WHERE group_id = ? AND journey_id = ?",
                    [.text(group.rawValue), .text(second.id)]), map: { $0.compactMap { $0.text(0) } }), writes: false)
        #expect(reasons == ["frequency_capped"])
    }

    @Test(arguments: Backend.allCases)
    func queuedMessagesAreLeasedToOneDispatcherAndRecordedUnderItsLease(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let journeys = Self.services(tenant)
        let start = Date()
        try await Self.templates(tenant, ["hello"])
        try await tenant.store.saveChannel(
            name: "crm", .webhook(url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef"), group: group,
            brand: brand, at: start)
        let draft = try JSONParser.parse(
            Array(
                #"""
                {"entry": {"event": {"name": "follow"}}, "start": "a",
                 "nodes": {"a": {"send": {"channel": "crm", "template": "hello", "next": "end"}}, "end": {"exit": {}}}}
                """#.utf8))
        let saved = try await journeys.save(name: "crm", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        try await tenant.send([try Self.event("f", "external:q", "follow", at: start, brand: brand)])
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 1)

        let now = start.addingTimeInterval(2)
        // Other tests share the database: only this tenant's message counts here.
        let mine = { (messages: [OutboundMessage]) in messages.filter { $0.group == group } }
        let first = mine(
            try await tenant.store.claimQueuedMessages(now: now, limit: 1_000, leaseSeconds: 60, token: "one"))
        #expect(
            first.count == 1
                && first.first?.configuration == .webhook(url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef"))
        #expect(
            mine(try await tenant.store.claimQueuedMessages(now: now, limit: 1_000, leaseSeconds: 60, token: "two"))
                .isEmpty)
        // A dispatcher without the lease records nothing; the holder's retry is kept with its time.
        try await tenant.store.recordDeliveries([(first[0], .delivered, nil)], token: "two", at: now)
        try await tenant.store.recordDeliveries(
            [(first[0], .retry(detail: "HTTP 503"), now.addingTimeInterval(10))], token: "one", at: now)
        #expect(
            mine(
                try await tenant.store.claimQueuedMessages(
                    now: now.addingTimeInterval(5), limit: 1_000, leaseSeconds: 60, token: "three")
            ).isEmpty)
        let again = mine(
            try await tenant.store.claimQueuedMessages(
                now: now.addingTimeInterval(11), limit: 1_000, leaseSeconds: 60, token: "four"))
        #expect(again.map(\.attempts) == [1])
        try await tenant.store.recordDeliveries([(again[0], .delivered, nil)], token: "four", at: now)
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: saved.record.id)
        #expect(statistics.messages["a"] == ["delivered": 1])
    }

    /// Last-touch and last-click attribution, per node and per day, with top products; tracked links
    /// redirect to their original and record the click; split branches against the control.
    @Test(arguments: Backend.allCases)
    func ordersAreAttributedByLastTouchAndBranchesComparedWithControl(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let start = Date()
        let members = 40
        try await tenant.send(
            try (0..<members).map { try Self.event("v\($0)", "external:m\($0)", "Viewed", at: start, brand: brand) })
        let segment = try await SegmentService(store: tenant.store).create(
            name: "Viewers", kind: .snapshot, rule: .event(EventCondition(EventMatcher(name: "Viewed"))), group: group,
            brand: brand, at: start)
        let journeys = Self.services(tenant, publicURL: "https://t.example/")
        try await tenant.store.saveMessageTemplate(
            MessageTemplate(name: "offer", body: "Deals at https://shop.example/deal?c=1. Reply STOP to opt out."),
            group: group, brand: brand, at: start)
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"scheduled": {"segment": "\(segment.id)", "at": "\(ISO8601DateFormatter().string(from: start))"}},
                 "start": "ab", "nodes": {
                   "ab": {"split": {"branches": [{"name": "A", "weight": 50, "next": "offer"}, {"name": "control", "weight": 50}]}},
                   "offer": {"send": {"channel": "log", "template": "offer", "next": "end"}}, "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "offer", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == members)
        let delivered = try await tenant.store.journeyMessages(
            group: group, journeyID: saved.record.id, status: "delivered", reason: nil, limit: 1_000)
        let messaged = Set(delivered.map(\.member))
        // Links pass through Tessera; following one records the click and leads to the original.
        var tokens: [MemberID: String] = [:]
        for message in delivered {
            let body = try #require(message.body)
            #expect(body.hasPrefix("Deals at https://t.example/r/") && body.hasSuffix(". Reply STOP to opt out."))
            let token = try #require(body.split(separator: "/r/").last?.split(separator: ".").first)
            tokens[message.member] = String(token)
        }
        #expect(try await tenant.store.followLink(token: "no-such-token", at: start) == nil)

        // Every other member buys a day later; one more buys ten days later, outside a 7-day window.
        func order(_ n: Int, days: Double, amount: Int64) throws -> IngestMessage {
            let at = start.addingTimeInterval(days * 86_400)
            var message = try message(
                "o\(n)-\(days)", ["external:m\(n)"], kind: .order, at: at.timeIntervalSince1970,
                order: OrderInput(
                    externalID: "o\(n)-\(days)", channel: "web", status: .paid, currency: "CNY", totalMinor: amount,
                    paidMinor: amount,
                    items: [
                        OrderItem(
                            sku: "SKU-\(n % 4 == 0 ? "A" : "B")", name: "Tea", quantity: 2, unitPriceMinor: amount / 2)
                    ],
                    occurredAt: at))
            message.brandID = brand
            return message
        }
        try await tenant.send(try stride(from: 0, to: members, by: 2).map { try order($0, days: 1, amount: 1_000) })
        try await tenant.send([try order(1, days: 10, amount: 5_000)])
        var ids: [Int: MemberID] = [:]
        for n in 0..<members { ids[n] = try #require(try await tenant.member("external:m\(n)")).id }
        let buyers = Set(stride(from: 0, to: members, by: 2).compactMap { ids[$0] })
        // Three messaged buyers click before buying (twice, one of them); one messaged non-buyer clicks.
        let clickers = Array(buyers.intersection(messaged).sorted { $0.rawValue < $1.rawValue }.prefix(3))
        let browser = try #require(messaged.subtracting(buyers).first)
        for member in clickers + [clickers[0], browser] {
            let url = try await tenant.store.followLink(
                token: try #require(tokens[member]), at: start.addingTimeInterval(3_600))
            #expect(url == "https://shop.example/deal?c=1")
        }

        let report = try await journeys.report(
            id: saved.record.id, group: group, brand: brand, windowDays: 7, at: start)
        let attributed = buyers.intersection(messaged)
        #expect(report.covered == Int64(members) && report.notified == Int64(messaged.count))
        #expect(report.buyers == Int64(attributed.count) && report.orders == Int64(attributed.count))
        #expect(report.amountMinor == 1_000 * Int64(attributed.count))
        #expect(report.nodes["offer"]?.orders == Int64(attributed.count))
        #expect(report.clicked == 4 && report.nodes["offer"]?.clicked == 4)
        #expect(report.nodes["offer"]?.delivered == Int64(messaged.count))
        #expect(report.daily.reduce(0) { $0 + $1.delivered } == Int64(messaged.count))
        #expect(report.daily.reduce(0) { $0 + $1.orders } == report.orders)
        #expect(report.daily.reduce(0) { $0 + $1.amountMinor } == report.amountMinor)
        let skuA = attributed.filter { member in ids.contains { $0.value == member && $0.key % 4 == 0 } }.count
        let products = Dictionary(uniqueKeysWithValues: report.topProducts.map { ($0.sku, $0) })
        #expect(products["SKU-A"]?.quantity == Int64(2 * skuA) && products["SKU-A"]?.orders == Int64(skuA))
        #expect(products["SKU-B"]?.amountMinor == Int64(1_000 * (attributed.count - skuA)))
        let byClick = try await journeys.report(
            id: saved.record.id, group: group, brand: brand, windowDays: 7, model: .click, at: start)
        #expect(byClick.model == .click && byClick.orders == Int64(clickers.count))
        #expect(byClick.topProducts.reduce(0) { $0 + $1.orders } == Int64(clickers.count))
        let branches = try #require(report.splits["ab"])
        let a = try #require(branches.first { $0.branch == "A" })
        let control = try #require(branches.first { $0.branch == "control" })
        #expect(a.members == Int64(messaged.count) && a.converted == Int64(attributed.count))
        #expect(control.members == Int64(members - messaged.count))
        #expect(control.converted == Int64(buyers.subtracting(messaged).count))
        #expect(control.versusControl == nil && a.versusControl != nil)
        let wide = try await journeys.report(
            id: saved.record.id, group: group, brand: brand, windowDays: 30, at: start)
        #expect(wide.orders == report.orders + (messaged.contains(ids[1] ?? MemberID("")) ? 1 : 0))
    }

    /// Five members in a snapshot segment and a plan sending to it every day at 10:00 (local time),
    /// each member at most `maximumEntries` times; answers the plan and its first occurrence.
    /// Expects the journey's `members` runs all exited, each having been sent `node`'s message.
    private static func expectEveryoneSent(_ tenant: Tenant, journey: String, node: String, members: Int64)
        async throws
    {
        let statistics = try await tenant.store.journeyStatistics(
            group: tenant.principal.groupID, journeyID: journey)
        #expect(statistics.messages[node] == ["delivered": members])
        #expect(statistics.runs == ["exited": members])
    }

    /// A new tenant with the daily plan published to its five members, entering each at most five times.
    private static func dailyToFive(_ backend: Backend) async throws
        -> (tenant: Tenant, journeys: JourneyService, journey: String, firstOccurrence: Int64)
    {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let journeys = Self.services(tenant)
        let (journey, first) = try await publishDaily(tenant, journeys, maximumEntries: 5, at: Date())
        return (tenant, journeys, journey, first)
    }

    private static func publishDaily(_ tenant: Tenant, _ journeys: JourneyService, maximumEntries: Int, at start: Date)
        async throws -> (journey: String, firstOccurrence: Int64)
    {
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        try await tenant.send(
            (0..<5).map { try Self.event("r\($0)", "external:r\($0)", "Viewed", at: start, brand: brand) })
        let segment = try await SegmentService(store: tenant.store).create(
            name: "Viewers", kind: .snapshot, rule: .event(EventCondition(EventMatcher(name: "Viewed"))), group: group,
            brand: brand, at: start)
        try await Self.templates(tenant, ["daily"])
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"recurring": {"segment": "\(segment.id)", "every": "day", "time": "10:00"}}, "start": "s",
                 "maximumEntries": \(maximumEntries), "quietHours": "ignore",
                 "nodes": {"s": {"send": {"channel": "log", "template": "daily", "next": "e"}}, "e": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "daily", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        let timeZone = try await SegmentService(store: tenant.store).context(group: group, brand: brand, at: start)
            .timeZone
        return (
            saved.record.id,
            JourneySchedule(every: .day, minute: 600).next(after: Timestamp.micros(start), in: timeZone)
        )
    }

    @Test(arguments: Backend.allCases)
    func recurringJourneysEnterTheSegmentAtEachOccurrenceWithinTheLimit(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let group = tenant.principal.groupID
        let start = Date()
        let journeys = Self.services(tenant)
        let plan = try await Self.publishDaily(tenant, journeys, maximumEntries: 2, at: start)
        var occurrence = plan.firstOccurrence
        #expect(try await journeys.runDue(at: start, group: group) == 0)
        var sent: [Int64] = []
        for _ in 0..<3 {
            let at = Timestamp.date(occurrence).addingTimeInterval(1)
            let applied = try await journeys.runDue(at: at, group: group)
            let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: plan.journey)
            sent.append(statistics.messages["s"]?["delivered"] ?? 0)
            #expect(applied == (sent.count <= 2 ? 5 : 0))
            occurrence += 86_400_000_000
        }
        // Two entries each (maximumEntries), one per daily occurrence.
        #expect(sent == [5, 10, 10])
    }

    /// A segment is entered a chunk of members per call, in member order: the schedule stays due
    /// until its last chunk, then moves to its next occurrence, and no member enters twice.
    @Test(arguments: Backend.allCases)
    func schedulesEnterTheirSegmentAChunkAtATime(backend: Backend) async throws {
        let (tenant, journeys, journey, first) = try await Self.dailyToFive(backend)
        let group = tenant.principal.groupID
        let entries = QueryProgram(
            SQLStatement(
                "SELECT entry_key, COUNT(*) FROM journey_runs WHERE journey_id = ? GROUP BY entry_key ORDER BY entry_key",
                [.text(journey)]), map: { $0.map { "\($0.text(0) ?? "") \($0.int(1) ?? 0)" } })
        for day in 0..<2 {
            let at = Timestamp.date(first + Int64(day) * 86_400_000_000).addingTimeInterval(1)
            var calls: [String] = []
            for _ in 0..<4 {
                let left = try await tenant.store.enterScheduledJourneys(now: at, group: group, chunk: 2).unfinished
                let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: journey)
                calls.append("\(left) left, \(statistics.runs["active"] ?? 0) active")
            }
            // Two chunks of two leave the schedule due; the fifth member ends it; then it waits a day.
            #expect(calls == ["1 left, 2 active", "1 left, 4 active", "0 left, 5 active", "0 left, 5 active"])
            #expect(try await journeys.runDue(at: at, group: group) == 5)
            let keys = try await tenant.store.driver.run(entries, writes: false)
            #expect(keys == (0...day).map { "schedule:1:\(first + Int64($0) * 86_400_000_000) 5" })
        }
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: journey)
        #expect(statistics.messages["s"] == ["delivered": 10])
    }

    /// Runs entered under the entering worker's lease come back ready to step: nobody else leases
    /// them while the lease lasts, the worker's steps apply, and runs it never stepped are leased and
    /// stepped by anyone once the lease has run out — after which the first lease applies nothing.
    @Test(arguments: Backend.allCases)
    func runsEnteredLeasedAreSteppedOnce(backend: Backend) async throws {
        let (tenant, journeys, journey, first) = try await Self.dailyToFive(backend)
        let group = tenant.principal.groupID
        let at = Timestamp.date(first).addingTimeInterval(1)
        let entry = try await journeys.enterScheduledLeased(at: at, group: group)
        #expect(entry.unfinished == 0)
        #expect(entry.runs.count == 5)
        #expect(entry.runs.allSatisfy { $0.leasedRow != nil && $0.state.node == "s" })
        let others = try await tenant.store.claimJourneyRuns(
            now: at, limit: 10, leaseSeconds: 60, token: "other", group: group)
        #expect(others.isEmpty)
        #expect(try await journeys.step(Array(entry.runs.prefix(3)), token: entry.token, at: at) == 3)
        let expired = at.addingTimeInterval(TimeInterval(journeys.leaseSeconds) + 1)
        #expect(try await journeys.runDue(at: expired, group: group, enteringSchedules: false) == 2)
        #expect(try await journeys.step(Array(entry.runs.suffix(2)), token: entry.token, at: expired) == 0)
        try await Self.expectEveryoneSent(tenant, journey: journey, node: "s", members: 5)
    }

    /// The worker enters a schedule's members leased to itself and steps them a batch per pass
    /// before it leases anything; every member gets the message once.
    @Test(arguments: Backend.allCases)
    func theWorkerStepsTheRunsItEntered(backend: Backend) async throws {
        let (tenant, journeys, journey, first) = try await Self.dailyToFive(backend)
        let group = tenant.principal.groupID
        let worker = JourneyWorker(
            journeys: journeys, logger: Logger(label: "test"), stepLoops: 1, batch: 2, group: group)
        let at = Timestamp.date(first).addingTimeInterval(1)
        var applied: [Int] = []
        for _ in 0..<4 { applied.append(await worker.pass(at: at)) }
        #expect(applied == [2, 2, 1, 0])
        try await Self.expectEveryoneSent(tenant, journey: journey, node: "s", members: 5)
    }

    @Test(arguments: Backend.allCases)
    func aDryRunCountsEachNodesAudience(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let start = Date()
        try await tenant.send(
            (0..<5).map { try Self.event("d\($0)", "external:d\($0)", "Viewed", at: start, brand: brand) })
        try await tenant.store.defineTag(
            TagDefinition(name: "vip", category: .basic, kind: .manual), group: group, brand: brand, at: start)
        var vips: [MemberID] = []
        for n in [0, 1] { vips.append(try #require(try await tenant.member("external:d\(n)")).id) }
        _ = try await tenant.store.changeTag(
            "vip", adding: true, members: vips, group: group, brand: brand, source: "manual", actor: "t", at: start)
        let segment = try await SegmentService(store: tenant.store).create(
            name: "Viewers", kind: .snapshot, rule: .event(EventCondition(EventMatcher(name: "Viewed"))), group: group,
            brand: brand, at: start)
        try await Self.templates(tenant, ["a", "b"])
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"scheduled": {"segment": "\(segment.id)", "at": "2030-01-01T00:00:00Z"}}, "start": "vip",
                 "nodes": {"vip": {"condition": {"rule": {"tag": "vip"}, "yes": "a", "no": "ab"}},
                           "ab": {"split": {"branches": [{"name": "B", "weight": 1, "next": "b"}, {"name": "control", "weight": 1}]}},
                           "a": {"send": {"channel": "log", "template": "a", "next": "end"}},
                           "b": {"send": {"channel": "log", "template": "b", "next": "end"}}, "end": {"exit": {}}}}
                """.utf8))
        let counts = try await Self.services(tenant).estimate(draft, group: group, brand: brand, at: start)
        // 5 members: 2 VIPs get a; 3 others split half-and-half (1.5 → 2 rounded) into b; end sums its paths.
        #expect(counts == ["vip": 5, "a": 2, "ab": 3, "b": 2, "end": 4])
    }

    @Test(arguments: Backend.allCases)
    func scheduledJourneysSplitASegmentAndConcurrentWorkersSendOnce(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let start = Date()
        let members = 300
        try await tenant.send(
            try (0..<members).map { try Self.event("v\($0)", "external:m\($0)", "Viewed", at: start, brand: brand) })
        let segments = SegmentService(store: tenant.store)
        let everyone = try await segments.create(
            name: "Viewers", kind: .dynamic, rule: .event(EventCondition(EventMatcher(name: "Viewed"))), group: group,
            brand: brand, at: start)
        #expect(everyone.memberCount == Int64(members))
        let journeys = Self.services(tenant)
        try await Self.templates(tenant, ["offer_a", "offer_b"])
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"scheduled": {"segment": "\(everyone.id)", "at": "\(ISO8601DateFormatter().string(from: start))"}},
                 "start": "ab",
                 "nodes": {"ab": {"split": {"branches": [{"name": "A", "weight": 45, "next": "a"}, {"name": "B", "weight": 45, "next": "b"},
                                                        {"name": "control", "weight": 10}]}},
                           "a": {"send": {"channel": "log", "template": "offer_a", "next": "end"}},
                           "b": {"send": {"channel": "log", "template": "offer_b", "next": "end"}},
                           "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "festival", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        // Two workers (two services, as two processes would be) race over the same runs.
        let other = Self.services(tenant)
        let now = start.addingTimeInterval(1)
        async let first = Self.drain(journeys, at: now, group: group)
        async let second = Self.drain(other, at: now, group: group)
        let applied = try await first + second
        #expect(applied == members)
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: saved.record.id)
        let sent = (statistics.messages["a"]?["delivered"] ?? 0) + (statistics.messages["b"]?["delivered"] ?? 0)
        #expect(sent + (statistics.runs["control"] ?? 0) == Int64(members))
        #expect(statistics.runs["exited"] == sent)
        // 10 % control at 300 members: 30 expected, σ ≈ 5.2.
        #expect((10...52).contains(statistics.runs["control"] ?? 0))
        #expect(try await journeys.runDue(at: now.addingTimeInterval(3_600), group: group) == 0)  // entered once
    }

    /// A filter on what happened since an earlier send: only the member who clicked goes on.
    @Test(arguments: Backend.allCases)
    func filtersLetThroughWhoClickedSinceTheSend(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let start = Date()
        let journeys = Self.services(tenant, publicURL: "https://t.example")
        for (name, body) in [("offer", "See https://shop.example/new"), ("thanks", "Thanks for looking")] {
            try await tenant.store.saveMessageTemplate(
                MessageTemplate(name: name, body: body), group: group, brand: brand, at: start)
        }
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"event": {"name": "Viewed"}}, "start": "offer", "nodes": {
                   "offer": {"send": {"channel": "log", "template": "offer", "next": "later"}},
                   "later": {"wait": {"days": 1, "next": "clicked"}},
                   "clicked": {"filter": {"message": "clicked", "of": "offer", "next": "thanks"}},
                   "thanks": {"send": {"channel": "log", "template": "thanks", "next": "end"}},
                   "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "nudge", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        try await tenant.send(
            try (0..<3).map { try Self.event("f\($0)", "external:f\($0)", "Viewed", at: start, brand: brand) })
        #expect(try await journeys.runDue(at: start.addingTimeInterval(1), group: group) == 3)
        let clicker = try #require(try await tenant.member("external:f1")).id
        let offer = try await tenant.store.journeyMessages(
            group: group, journeyID: saved.record.id, status: "delivered", reason: nil, limit: 10)
        let body = try #require(offer.first { $0.member == clicker }?.body)
        let token = try #require(body.split(separator: "/r/").last.map(String.init))
        #expect(try await tenant.store.followLink(token: token, at: start.addingTimeInterval(60)) != nil)
        #expect(try await journeys.runDue(at: start.addingTimeInterval(86_402), group: group) == 3)
        let statistics = try await tenant.store.journeyStatistics(group: group, journeyID: saved.record.id)
        #expect(statistics.runs == ["filtered": 2, "exited": 1])
        #expect(statistics.visits["clicked"] == ["passed": 1, "filtered": 2])
        let thanked = try await tenant.store.journeyMessages(
            group: group, journeyID: saved.record.id, status: nil, reason: nil, limit: 10
        ).filter { $0.node == "thanks" }
        #expect(thanked.map(\.member) == [clicker])
    }

    /// Grant nodes give coupons, points, growth and benefits through the loyalty services, once per
    /// step, within their budget even when workers race; task nodes leave a task for the member's guide.
    @Test(arguments: Backend.allCases)
    func grantsStayWithinBudgetAndTasksReachTheGuide(backend: Backend) async throws {
        let tenant = try await Tenant.make(try await backend.makeStore())
        let (group, brand) = (tenant.principal.groupID, tenant.principal.brandID)
        let start = Date()
        let members = 40
        try await tenant.send(
            try (0..<members).map { n in
                var message = try Self.event("v\(n)", "external:g\(n)", "Viewed", at: start, brand: brand)
                if n % 2 == 0 { message.profile = ProfilePatch(guideCode: "guide\(n % 4)") }
                return message
            })
        let segment = try await SegmentService(store: tenant.store).create(
            name: "Viewers", kind: .snapshot, rule: .event(EventCondition(EventMatcher(name: "Viewed"))), group: group,
            brand: brand, at: start)
        let coupon = try await tenant.store.createCouponTemplate(
            CouponTemplate(name: "¥10", benefit: .amountOff(1_000), validity: .daysFromIssue(30), stock: 7),
            group: group, brand: brand, at: start)
        let journeys = Self.services(tenant)
        let draft = try JSONParser.parse(
            Array(
                """
                {"entry": {"scheduled": {"segment": "\(segment.id)", "at": "\(ISO8601DateFormatter().string(from: start))"}},
                 "start": "coupon", "nodes": {
                   "coupon": {"grant": {"coupon": "\(coupon)", "budget": 10, "next": "points"}},
                   "points": {"grant": {"points": 100, "next": "growth"}},
                   "growth": {"grant": {"growth": 30, "next": "double"}},
                   "double": {"grant": {"benefit": {"kind": "points_multiplier", "name": "Double week", "percent": 200}, "days": 7, "next": "call"}},
                   "call": {"task": {"title": "Welcome them in store", "dueHours": 24, "next": "end"}},
                   "end": {"exit": {}}}}
                """.utf8))
        let saved = try await journeys.save(name: "gifts", draft: draft, group: group, brand: brand, at: start)
        _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: start)
        let now = start.addingTimeInterval(1)
        async let first = Self.drain(journeys, at: now, group: group)
        async let second = Self.drain(Self.services(tenant), at: now, group: group)
        #expect(try await first + second == members)
        async let granting = journeys.grantDue(at: now, limit: 500, group: group)
        async let racing = Self.services(tenant).grantDue(at: now, limit: 500, group: group)
        #expect(try await granting + racing == 4 * members - (members - 10))
        #expect(try await journeys.grantDue(at: now, group: group) == 0)

        // Budget 10 of 40 members; the template's stock of 7 refuses the other 3.
        let grants = try await tenant.store.journeyGrants(group: group, journeyID: saved.record.id)
        #expect(grants["coupon"] == ["granted": 7, "failed:out_of_stock": 3, "failed:budget_exhausted": 30])
        #expect(grants["points"] == ["granted": Int64(members)] && grants["growth"] == ["granted": Int64(members)])
        #expect(grants["double"] == ["granted": Int64(members)])
        let member = try #require(try await tenant.member("external:g0")).id
        #expect(try await tenant.store.pointsAccount(group: group, brand: brand, member: member).balance == 100)
        #expect(try await tenant.store.loyaltyStanding(group: group, brand: brand, member: member).growth == 30)
        let benefits = try await tenant.store.memberBenefits(group: group, brand: brand, member: member, at: now)
        #expect(benefits.contains { $0.benefit.kind == .pointsMultiplier && $0.benefit.percent == 200 })
        let report = try await journeys.report(id: saved.record.id, group: group, brand: brand, windowDays: 7, at: now)
        #expect(report.loyalty.couponsIssued == 7 && report.loyalty.pointsIssued == 100 * Int64(members))
        #expect(report.loyalty.growthIssued == 30 * Int64(members) && report.loyalty.benefitsGranted == Int64(members))

        // A task per member, with the guide the member had; those without one are unassigned.
        let tasks = try await tenant.store.guideTasks(
            group: group, brand: brand, guide: nil, status: "open", limit: 100)
        #expect(tasks.count == members && tasks.filter { $0.guide == nil }.count == members / 2)
        let mine = try await tenant.store.guideTasks(
            group: group, brand: brand, guide: "guide0", status: nil, limit: 100)
        #expect(mine.count == members / 4 && mine.allSatisfy { $0.title == "Welcome them in store" })
        #expect(mine.allSatisfy { abs($0.dueAt.timeIntervalSince(now) - 86_400) < 2 })
        #expect(try await tenant.store.completeGuideTask(id: mine[0].id, group: group, brand: brand, at: now))
        #expect(!(try await tenant.store.completeGuideTask(id: mine[0].id, group: group, brand: brand, at: now)))
    }

    private static func drain(_ service: JourneyService, at now: Date, group: GroupID) async throws -> Int {
        var total = 0
        while true {
            let applied = try await service.runDue(at: now, limit: 50, group: group)
            if applied == 0 { return total }
            total += applied
        }
    }
}
