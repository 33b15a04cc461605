import Foundation
import Logging
import ServiceLifecycleTestKit
import Testing
import TesseraCore
import TesseraDomain
import TesseraWorkers

/// The ingest log on both databases. Serialized: on PostgreSQL every test shares one `ingest_log`.
@Suite("Ingest log contract", .serialized)
struct IngestLogContractTests {
    static func entry(_ group: GroupID, messages: Int, body: String = #"{"batch":[]}"#) -> IngestLogEntry {
        IngestLogEntry(
            groupID: group, brandID: BrandID("b"), source: "segment",
            receivedAt: Date(timeIntervalSince1970: 1_800_000_000),
            body: body, messageCount: messages)
    }

    @Test(arguments: Backend.allCases)
    func leasesInOrderUpToTheMessageBudgetAndNeverTwice(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let log = try await backend.makeIngestLog(beside: store)
        let group = GroupID(TenantIDGenerator().next())
        var sequences: [Int64] = []
        for index in 0..<5 {
            sequences.append(try await log.append(Self.entry(group, messages: 40, body: #"{"n":\#(index)}"#)))
        }
        #expect(sequences == sequences.sorted())
        let now = Date()
        let first = try await log.lease(maximumMessages: 100, now: now)
        #expect(first.map(\.sequence) == Array(sequences[0..<2]))
        #expect(first.map(\.body) == [#"{"n":0}"#, #"{"n":1}"#])
        #expect(first.allSatisfy { $0.attempts == 1 && $0.groupID == group && $0.messageCount == 40 })
        #expect(first.first?.receivedAt == Date(timeIntervalSince1970: 1_800_000_000))
        // Leased entries are not handed out again while the lease runs.
        let second = try await log.lease(maximumMessages: 1_000, now: now)
        #expect(second.map(\.sequence) == Array(sequences[2..<5]))
        #expect(try await log.lease(maximumMessages: 1_000, now: now).isEmpty)
        // A projector that died: its lease runs out and the entries come back.
        let later = now.addingTimeInterval(IngestLog.leaseDuration + 1)
        let retaken = try await log.lease(maximumMessages: 1_000, now: later)
        #expect(retaken.map(\.sequence) == [sequences[0]], "an entry taken before is leased on its own")

        try await log.complete(sequences)
        let status = try await log.status(group: group, now: later)
        #expect(
            status
                == IngestLogStatus(
                    pendingEntries: 0, pendingMessages: 0, failedEntries: 0, oldestPendingAt: nil, lastError: nil))
    }

    @Test(arguments: Backend.allCases)
    func failedEntriesBackOffThenStopAfterTheLastAttempt(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let log = try await backend.makeIngestLog(beside: store)
        let group = GroupID(TenantIDGenerator().next())
        let other = GroupID(TenantIDGenerator().next())
        try await log.append(Self.entry(group, messages: 3))
        try await log.append(Self.entry(other, messages: 7))
        var now = Date()
        var pending = try await log.status(group: group, now: now)
        #expect(pending.pendingEntries == 1 && pending.pendingMessages == 3 && pending.failedEntries == 0)
        #expect(pending.oldestPendingAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try await log.status(group: other, now: now).pendingMessages == 7, "status is per group")

        for attempt in 1...IngestLog.maximumAttempts {
            let leased = try await log.lease(maximumMessages: 1, now: now)
            #expect(leased.count == 1 && leased[0].groupID == group && leased[0].attempts == attempt)
            try await log.release(leased, error: "boom \(attempt)", now: now)
            // Backed off: the next lease skips it (and takes the other group's entry, whose lease
            // runs out before the next round).
            if attempt < IngestLog.maximumAttempts {
                #expect(try await log.lease(maximumMessages: 1, now: now).map(\.groupID) == [other])
            }
            now = now.addingTimeInterval(IngestLog.leaseDuration + 1)
        }
        pending = try await log.status(group: group, now: now)
        #expect(pending.pendingEntries == 0 && pending.failedEntries == 1)
        #expect(pending.lastError == "boom \(IngestLog.maximumAttempts)")
        let rest = try await log.lease(maximumMessages: 1_000, now: now)
        #expect(rest.map(\.groupID) == [other], "a dead entry is not leased again")
    }

    /// The age backpressure reads: the oldest of the group's entries still to be projected, in log
    /// order — not another group's, not one that failed for good, not one completed.
    @Test(arguments: Backend.allCases)
    func theOldestWaitingEntryIsTheGroupsFirstThatMayStillBeProjected(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let log = try await backend.makeIngestLog(beside: store)
        let group = GroupID(TenantIDGenerator().next())
        let other = GroupID(TenantIDGenerator().next())
        func entry(_ group: GroupID, at seconds: TimeInterval) -> IngestLogEntry {
            var entry = Self.entry(group, messages: 1)
            entry.receivedAt = Date(timeIntervalSince1970: seconds)
            return entry
        }
        var now = Date()
        #expect(try await log.oldestWaiting(group: group, now: now) == nil)
        try await log.append(entry(other, at: 1_700_000_000))
        let doomed = try await log.append(entry(group, at: 1_800_000_000))
        let second = try await log.append(entry(group, at: 1_800_000_100))
        try await log.append(entry(group, at: 1_800_000_050))
        #expect(try await log.oldestWaiting(group: group, now: now) == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try await log.oldestWaiting(group: other, now: now) == Date(timeIntervalSince1970: 1_700_000_000))
        let first = try await log.lease(maximumMessages: 1, now: now)
        #expect(first.map(\.groupID) == [other])
        try await log.complete(first.map(\.sequence))
        #expect(try await log.oldestWaiting(group: other, now: now) == nil)

        // The group's first entry fails for good; until its last lease runs out it still waits.
        for _ in 1...IngestLog.maximumAttempts {
            let leased = try await log.lease(maximumMessages: 1, now: now)
            #expect(leased.map(\.sequence) == [doomed])
            try await log.release(leased, error: "boom", now: now)
            #expect(try await log.oldestWaiting(group: group, now: now) == Date(timeIntervalSince1970: 1_800_000_000))
            now = now.addingTimeInterval(IngestLog.leaseDuration + 1)
        }
        // Failed: the next in log order counts, though an entry after it was accepted earlier.
        #expect(try await log.oldestWaiting(group: group, now: now) == Date(timeIntervalSince1970: 1_800_000_100))
        try await log.complete([second])
        #expect(try await log.oldestWaiting(group: group, now: now) == Date(timeIntervalSince1970: 1_800_000_050))
        let rest = try await log.lease(maximumMessages: 1_000, now: now)
        #expect(rest.count == 1 && rest.allSatisfy { $0.groupID == group })
        try await log.complete(rest.map(\.sequence) + [doomed])
        #expect(try await log.oldestWaiting(group: group, now: now) == nil)
    }

    /// Traffic of 40 people, each seen anonymously, by user id and some by e-mail, with orders: the
    /// same person's messages are spread over every log entry, as in real traffic.
    static func traffic(entries: Int, perEntry: Int) -> [[IngestMessage]] {
        (0..<entries).map { entry in
            (0..<perEntry).map { offset in
                let index = entry * perEntry + offset
                let person = (index * 7) % 40
                let anonymous = try! Identifier.parse("anonymous:a\(person)")
                let user = try! Identifier.parse("external:u\(person)")
                var message = IngestMessage(
                    idempotencyKey: "k\(index)", kind: .track, identifiers: [anonymous], name: "Viewed",
                    channel: "web", brandID: BrandID("b"),
                    occurredAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)))
                switch (index + index / 40) % 4 {
                case 0:
                    message.kind = .identify
                    message.name = nil
                    message.registers = true
                    message.identifiers = [user, anonymous]
                    if person % 5 == 0 {
                        message.identifiers.append(try! Identifier.parse("email:p\(person)@example.com"))
                    }
                case 1:
                    message.identifiers = [user]
                    if index % 8 == 1 {
                        message.name = nil
                        message.order = OrderInput(
                            externalID: "o\(person)-\(index % 3)", channel: "web", status: .paid, currency: "CNY",
                            totalMinor: 1_000, paidMinor: 1_000, occurredAt: message.occurredAt)
                    }
                default:
                    break
                }
                return message
            }
        }
    }

    /// Each member as identifiers, stored event count and order count: comparable across groups.
    static func members(_ store: SQLTesseraStore, _ group: GroupID) async throws -> Set<String> {
        try await store.driver.run(
            QueryProgram(
                SQLStatement(
                    """
                    SELECT m.id, m.event_count, \
                    (SELECT count(*) FROM events e WHERE e.group_id = m.group_id AND e.member_id = m.id), \
                    (SELECT count(*) FROM orders o WHERE o.group_id = m.group_id AND o.member_id = m.id), i.type, i.value \
                    FROM members m JOIN member_identifiers i ON i.group_id = m.group_id AND i.member_id = m.id \
                    WHERE m.group_id = ? ORDER BY m.id, i.type, i.value
                    """, [.text(group.rawValue)]),
                map: { rows in
                    var members: [String: String] = [:]
                    for row in rows {
                        let id = row.text(0) ?? ""
                        members[id, default: "\(row.int(1) ?? -1)/\(row.int(2) ?? -1)/\(row.int(3) ?? -1)"] +=
                            " \(row.text(4) ?? ""):\(row.text(5) ?? "")"
                    }
                    return Set(members.values)
                }), writes: false)
    }

    /// Each message list of `traffic` queued in `log` as one entry of `tenant`, its body the list's index.
    static func queue(_ traffic: [[IngestMessage]], in log: IngestLog, for tenant: Tenant) async throws {
        for (index, messages) in traffic.enumerated() {
            try await log.append(
                IngestLogEntry(
                    groupID: tenant.principal.groupID, brandID: tenant.principal.brandID, source: "segment",
                    receivedAt: Date(timeIntervalSince1970: 1_800_000_000), body: "\(index)",
                    messageCount: messages.count))
        }
    }

    /// Reads back an entry queued by ``queue(_:in:for:)``.
    static func decoder(_ traffic: [[IngestMessage]]) -> IngestProjector.Decoder {
        { entry in
            guard let index = Int(entry.body), traffic.indices.contains(index) else { throw SetupError(entry.body) }
            return traffic[index].map { .success($0) }
        }
    }

    /// For each of `variants`: `traffic` queued in `log` for a new tenant of `store`, projected by
    /// `project`, and then the tenant's members (``members(_:_:)``) — the projections to compare.
    static func projections<Variant>(
        of traffic: [[IngestMessage]], into store: SQLTesseraStore, through log: IngestLog, _ variants: [Variant],
        _ project: (Variant, Tenant, @escaping IngestProjector.Decoder) async throws -> Void
    ) async throws -> [Set<String>] {
        var results: [Set<String>] = []
        for variant in variants {
            let tenant = try await Tenant.make(store)
            try await queue(traffic, in: log, for: tenant)
            try await project(variant, tenant, decoder(traffic))
            results.append(try await members(store, tenant.principal.groupID))
        }
        return results
    }

    /// Graceful shutdown projects the backlog for at most the projector's drain, then stops; what is
    /// left stays queued, and the next projector writes it: the same people and events as one that
    /// was never stopped, nothing lost, nothing twice.
    @Test(arguments: Backend.allCases)
    func aShutdownDrainLeavesWhatItCannotProjectQueued(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let log = try await backend.makeIngestLog(beside: store)
        let traffic = Self.traffic(entries: 12, perEntry: 10)
        let results = try await Self.projections(of: traffic, into: store, through: log, [nil, .zero, .seconds(60)]) {
            (drain: Duration?, tenant, decode) in
            let group = tenant.principal.groupID
            let projector = { (drain: Duration) in
                IngestProjector(
                    log: log, ingest: tenant.ingest, decode: decode, logger: Logger(label: "test.ingest"),
                    batchMessages: 20, shutdownDrain: drain)
            }
            if let drain {
                // Shut down before it starts: all of the backlog is left to the drain.
                try await testGracefulShutdown { trigger in
                    trigger.triggerGracefulShutdown()
                    try await projector(drain).run()
                }
                let pending = try await log.status(group: group, now: Date()).pendingEntries
                #expect(pending == (drain == .zero ? traffic.count : 0), "drain \(drain)")
            }
            try await projector(.zero).drain()
            #expect(try await log.status(group: group, now: Date()).pendingEntries == 0)
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    /// Writing a lease as parts side by side (``IngestPartitioner``) gives the member store one
    /// transaction would: the same people, identifiers, events and orders.
    @Test(arguments: Backend.allCases)
    func projectingInPartsSideBySideMatchesOneTransaction(backend: Backend) async throws {
        let store = try await backend.makeStore()
        let log = try await backend.makeIngestLog(beside: store)
        let results = try await Self.projections(
            of: Self.traffic(entries: 8, perEntry: 50), into: store, through: log, [1, 4]
        ) { (partitions: Int, tenant, decode) throws in
            let projector = IngestProjector(
                log: log, ingest: tenant.ingest, decode: decode, logger: Logger(label: "test.ingest"),
                batchMessages: 100, partitions: partitions)
            #expect(try await projector.drain() == 400)
        }
        #expect(results[0].count == 40, "one member per person")
        #expect(results[0] == results[1])
    }
}
