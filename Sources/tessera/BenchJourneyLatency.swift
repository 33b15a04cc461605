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
    /// leases, decides and writes the message. The probe's message is looked for right after the
    /// ingest and then after every worker pass that committed steps (watched every millisecond), so
    /// the latency is an upper bound of the commit that handed the message to the `log` channel.
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
            // Passes that committed steps: the probe loop only asks the database again after one, so
            // its own polling neither loads the machine nor queues behind the traffic it measures.
            let passes = Atomic<Int>(0)
            let worker = JourneyWorker(
                journeys: journeys, logger: Logger(label: "bench.journeys"),
                afterSteps: { passes.add(1, ordering: .releasing) })
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
                let planned = try await ingest.write(
                    [
                        IngestMessage(
                            idempotencyKey: "probe-\(probe)", kind: .track, identifiers: [try Identifier.parse(member)],
                            name: "Probe", channel: "web", brandID: brand, occurredAt: Date())
                    ], group: group, receivedAt: Date())
                writes.append(BenchTraffic.seconds(since: started) * 1_000)
                guard case .accepted(let probeMember?) = planned?.outcomes.first else {
                    throw ValidationError("the probe event was not accepted")
                }
                var seen = passes.load(ordering: .acquiring)
                while try await store.driver.run(
                    QueryProgram(
                        // By member id, one index probe: a join through the identifiers let PostgreSQL
                        // pick, on these young tables, a plan taking 100–270 ms per check, which was
                        // then measured as the journey's latency.
                        SQLStatement(
                            "SELECT 1 FROM journey_messages WHERE group_id = ? AND member_id = ? AND journey_id = ?",
                            [.text(group.rawValue), .text(probeMember.rawValue), .text(saved.record.id)]),
                        map: { $0.isEmpty }), writes: false)
                {
                    while passes.load(ordering: .acquiring) == seen { try await Task.sleep(for: .milliseconds(1)) }
                    seen = passes.load(ordering: .acquiring)
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
