import ArgumentParser
import Foundation
import Logging
import Synchronization
import TesseraCore
import TesseraDomain
import TesseraWorkers

extension Bench {
    /// `tessera bench journey-latency`: event ingested → message handed to the channel, for a plan
    /// triggered by that event, while other events arrive in the background at a fixed rate — the real
    /// path: the ingest transaction enters the member, ingest wakes the journey worker, the worker
    /// leases, decides and writes the message.
    struct JourneyLatency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "journey-latency",
            abstract: "Trigger latency: event ingested → message in the log channel, under background traffic.")

        @Option(help: "An EMPTY database: sqlite:///path or postgres://… (default: a new SQLite file in /tmp).")
        var database: String?
        @Option(help: "Background events per second.") var rate = 1_000
        @Option(help: "Probe events (one every 20 ms).") var probes = 300

        func run() async throws {
            let (_, store, credentials) = try await BenchTraffic.emptyStore(database)
            let (group, brand) = (credentials.groupID, credentials.brandID)
            let segments = SegmentService(store: store)
            let journeys = JourneyService(store: store, segments: segments)
            let worker = JourneyWorker(journeys: journeys, logger: Logger(label: "bench.journeys"))
            let ingest = IngestService(store: store, afterWrite: { _, _ in worker.wake() })
            try await store.saveMessageTemplate(
                MessageTemplate(name: "probe", body: "Thanks for visiting!"), group: group, brand: brand, at: Date())
            let draft = try JSONParser.parse(
                Array(
                    #"""
                    {"entry": {"event": {"name": "Probe"}}, "start": "s", "quietHours": "ignore",
                     "nodes": {"s": {"send": {"channel": "log", "template": "probe", "next": "e"}}, "e": {"exit": {}}}}
                    """#.utf8))
            let saved = try await journeys.save(name: "probe", draft: draft, group: group, brand: brand, at: Date())
            _ = try await journeys.publish(id: saved.record.id, group: group, brand: brand, at: Date())

            let running = Task { try await worker.run() }
            let stop = Atomic<Bool>(false)
            // Background: `rate` events a second in batches of 10 for 5,000 members.
            let background = Task {
                var sequence = 0
                let interval = Duration.milliseconds(10)
                var next = ContinuousClock.now
                while !stop.load(ordering: .relaxed) {
                    let batch = max(1, rate / 100)
                    let messages = try (0..<batch).map { _ -> IngestMessage in
                        sequence += 1
                        return IngestMessage(
                            idempotencyKey: "bg-\(sequence)", kind: .track,
                            identifiers: [try Identifier.parse("external:u\(sequence % 5_000)")], name: "Viewed",
                            channel: "web", brandID: brand, occurredAt: Date())
                    }
                    _ = try await ingest.write(messages, group: group, receivedAt: Date())
                    next = next.advanced(by: interval)
                    try await Task.sleep(until: next, clock: .continuous)
                }
            }
            var latencies: [Double] = []
            var writes: [Double] = []
            for probe in 0..<probes {
                let member = "external:probe\(probe)"
                let started = ContinuousClock.now
                _ = try await ingest.write(
                    [
                        IngestMessage(
                            idempotencyKey: "probe-\(probe)", kind: .track, identifiers: [try Identifier.parse(member)],
                            name: "Probe", channel: "web", brandID: brand, occurredAt: Date())
                    ], group: group, receivedAt: Date())
                writes.append(BenchTraffic.seconds(since: started) * 1_000)
                while try await store.driver.run(
                    QueryProgram(
                        SQLStatement(
                            """
                            SELECT 1 FROM journey_messages m JOIN member_identifiers i ON i.group_id = m.group_id \
                            AND i.member_id = m.member_id WHERE m.group_id = ? AND m.journey_id = ? \
                            AND i.type = 'external' AND i.value = ?
                            """, [.text(group.rawValue), .text(saved.record.id), .text("probe\(probe)")]),
                        map: { $0.isEmpty }), writes: false)
                {
                    try await Task.sleep(for: .milliseconds(1))
                }
                latencies.append(BenchTraffic.seconds(since: started) * 1_000)
                try await Task.sleep(until: started.advanced(by: .milliseconds(20)), clock: .continuous)
            }
            stop.store(true, ordering: .relaxed)
            _ = try await background.value
            running.cancel()
            let sorted = latencies.sorted()
            let written = writes.sorted()
            print(
                String(
                    format: "trigger latency over %d probes at %d background events/s: p50 %.1f ms, p95 %.1f ms, "
                        + "p99 %.1f ms, max %.1f ms (polling granularity 1 ms); of which the ingest write: "
                        + "p50 %.1f ms, p99 %.1f ms",
                    probes, rate, BenchTraffic.percentile(sorted, 0.5), BenchTraffic.percentile(sorted, 0.95),
                    BenchTraffic.percentile(sorted, 0.99), sorted.last ?? 0, BenchTraffic.percentile(written, 0.5),
                    BenchTraffic.percentile(written, 0.99)))
        }
    }
}
