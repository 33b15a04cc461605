import Metrics
import TesseraCore

/// Prometheus counters of ingested messages by outcome.
enum IngestMetrics {
    static let accepted = Counter(label: "tessera_ingest_messages_total", dimensions: [("status", "accepted")])
    static let duplicates = Counter(label: "tessera_ingest_messages_total", dimensions: [("status", "duplicate")])
    static let rejected = Counter(label: "tessera_ingest_messages_total", dimensions: [("status", "rejected")])

    static func record(_ result: IngestResult) {
        accepted.increment(by: result.accepted)
        duplicates.increment(by: result.duplicates)
        rejected.increment(by: result.rejected)
    }
}
