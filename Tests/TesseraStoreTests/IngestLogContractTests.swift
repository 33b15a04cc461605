import Foundation
import Testing
import TesseraCore
import TesseraDomain

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
        let group = GroupID(UUIDv7Generator().next())
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
        let group = GroupID(UUIDv7Generator().next())
        let other = GroupID(UUIDv7Generator().next())
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
}
