import ArgumentParser
import CSV
import Foundation
import TesseraCore
import TesseraDomain
import TesseraHTTP

/// `tessera import members|orders|events FILE.csv`: streams a CSV file through the same validation
/// and ingest path as the HTTP API, in batches, with a progress line on a terminal and a summary of
/// accepted, duplicate and rejected rows (with reasons and line numbers) at the end.
///
/// Columns named after an identifier type (`phone`, `email`, `unionid`, `openid`, `card`, `buyer`,
/// `external`, `device`, `anonymous`) or an `identifiers` column (`phone:+86…;email:…`) identify the
/// member. See docs/import.md for every column.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import members, orders or events from CSV.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case members, orders, events }

    @Argument(help: "members, orders or events") var kind: Kind
    @Argument(help: "CSV file with a header row.") var file: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Brand code the rows belong to.") var brand = "default"
    @Option(help: "Group id (default: the only group).") var group: String?
    @Option(help: "Rows per transaction.") var batch = 500

    func run() async throws {
        guard let stream = InputStream(fileAtPath: file) else { throw ValidationError("cannot open \(file)") }
        let reader = try CSVReader(stream: stream, hasHeaderRow: true, trimFields: true)
        guard let header = reader.headerRow else { throw ValidationError("\(file) has no header row") }
        let store = try await database.openStore()
        let (groupID, brandRecord) = try await BrandSelection.resolve(store: store, group: group, brandCode: brand)
        let principal = Principal(groupID: groupID, brandID: brandRecord.id, keyID: APIKeyID("cli"), scopes: [.admin])
        let ingest = IngestService(store: store)
        let mapper = NativeMapper(brand: brandRecord.id, receivedAt: Date())
        let progress = ImportProgress(file: file)
        let rows = CSVRows(reader: reader, header: header, kind: kind)

        var pending: [(line: Int, item: Result<IngestMessage, FieldErrorList>)] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let result = try await ingest.ingest(pending.map(\.item), principal: principal)
            progress.record(result, lines: pending.map(\.line))
            pending.removeAll(keepingCapacity: true)
        }
        while let (line, object) = rows.next() {
            // Rows without a key of their own are keyed by their content: importing the same file
            // again has no second effect, while a corrected row is applied.
            let contentKey = "import:\(kind.rawValue):" + String(object.jsonText.fnv1a64, radix: 16)
            let item: Result<IngestMessage, FieldErrorList> =
                switch kind {
                case .members: mapper.member(object, idempotencyKey: contentKey)
                case .orders: mapper.order(object, idempotencyKey: nil)
                case .events: mapper.event(object.withDefaultKey(contentKey), path: "$")
                }
            pending.append((line, item))
            if pending.count >= batch { try await flush() }
        }
        try await flush()
        progress.finish()
        try await store.close()
    }
}

/// Reads CSV rows as the JSON objects the native API takes. Order rows with the same `order_id`
/// on consecutive lines are one order with several items.
final class CSVRows {
    static let identifierColumns: Set<String> = [
        "phone", "email", "unionid", "openid", "card", "buyer", "external", "device", "anonymous",
    ]
    static let renamed = [
        "source_channel": "sourceChannel", "home_store": "homeStore", "joined_at": "joinedAt",
        "occurred_at": "occurredAt", "idempotency_key": "idempotencyKey", "order_id": "orderId",
        "total_minor": "totalMinor", "paid_minor": "paidMinor", "discount_minor": "discountMinor",
        "refunded_minor": "refundedMinor", "coupon_code": "couponCode", "coupon": "couponCode",
    ]
    static let itemColumns = [
        "sku": "sku", "product_id": "productId", "item_name": "name", "category": "category", "item_brand": "brand",
        "quantity": "quantity", "unit_price_minor": "unitPriceMinor",
    ]

    private let reader: CSVReader
    private let header: [String]
    private let kind: Import.Kind
    private var line = 1
    private var buffered: (line: Int, object: [String: JSONValue], items: [JSONValue])?

    init(reader: CSVReader, header: [String], kind: Import.Kind) {
        self.reader = reader
        self.header = header.map { $0.lowercased() }
        self.kind = kind
    }

    /// The next record and the line it starts on.
    func next() -> (Int, JSONValue)? {
        while let fields = reader.next() {
            line += 1
            if fields.allSatisfy(\.isEmpty) { continue }
            let (object, item) = convert(fields)
            guard kind == .orders else { return (line, .object(object)) }
            if var current = buffered, current.object["orderId"] == object["orderId"] {
                if let item { current.items.append(item) }
                buffered = current
                continue
            }
            let finished = buffered
            buffered = (line, object, item.map { [$0] } ?? [])
            if let finished { return (finished.line, Self.order(finished)) }
        }
        if let finished = buffered {
            buffered = nil
            return (finished.line, Self.order(finished))
        }
        return nil
    }

    private static func order(_ record: (line: Int, object: [String: JSONValue], items: [JSONValue])) -> JSONValue {
        var object = record.object
        if !record.items.isEmpty { object["items"] = .array(record.items) }
        return .object(object)
    }

    private func convert(_ fields: [String]) -> ([String: JSONValue], JSONValue?) {
        var object: [String: JSONValue] = [:]
        var identifiers: [JSONValue] = []
        var consent: [String: JSONValue] = [:]
        var attributes: [String: JSONValue] = [:]
        var traits: [String: JSONValue] = [:]
        var item: [String: JSONValue] = [:]
        for (column, value) in zip(header, fields) where !value.isEmpty {
            if Self.identifierColumns.contains(column) {
                identifiers.append(.string(column + ":" + value))
            } else if column == "identifiers" {
                identifiers += value.split(separator: ";").map { .string(String($0)) }
            } else if column.hasPrefix("consent_") {
                consent[String(column.dropFirst(8))] = .bool(["true", "1", "yes", "y"].contains(value.lowercased()))
            } else if column.hasPrefix("attr_") {
                attributes[String(column.dropFirst(5))] = .string(value)
            } else if kind == .orders, let name = Self.itemColumns[column] {
                item[name] = .string(value)
            } else if column == "registered" {
                object["registered"] = .bool(["true", "1", "yes", "y"].contains(value.lowercased()))
            } else if column == "properties", let parsed = try? JSONValue.parse(value) {
                object["properties"] = parsed
            } else if let name = Self.renamed[column] {
                object[name] = .string(value)
            } else if [
                "name", "gender", "birthday", "region", "city", "guide", "channel", "status", "currency", "store",
            ]
            .contains(column) {
                object[column] = .string(value)
            } else {
                traits[column] = .string(value)
            }
        }
        object["identifiers"] = .array(identifiers)
        if !consent.isEmpty { object["consent"] = .object(consent) }
        if !attributes.isEmpty { object["attributes"] = .object(attributes) }
        if !traits.isEmpty, kind == .members { object["traits"] = .object(traits) }
        return (object, item.isEmpty ? nil : .object(item))
    }
}

extension JSONValue {
    /// The object with `idempotencyKey` set when the row did not give one, so re-importing a file
    /// has no second effect.
    func withDefaultKey(_ key: String) -> JSONValue {
        guard case .object(var object) = self, object["idempotencyKey"] == nil else { return self }
        object["idempotencyKey"] = .string(key)
        return .object(object)
    }
}

/// The progress line and the final summary of an import.
final class ImportProgress {
    private let file: String
    private let started = ContinuousClock.now
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var counts = (accepted: 0, duplicates: 0, rejected: 0)
    private var reasons: [String: (count: Int, firstLine: Int, example: String)] = [:]

    init(file: String) { self.file = file }

    func record(_ result: IngestResult, lines: [Int]) {
        counts.accepted += result.accepted
        counts.duplicates += result.duplicates
        counts.rejected += result.rejected
        for item in result.results where item.status == "rejected" {
            for error in item.errors ?? [] {
                let line = lines[item.index]
                let existing = reasons[error.path]
                reasons[error.path] = (
                    (existing?.count ?? 0) + 1, existing?.firstLine ?? line, existing?.example ?? error.reason
                )
            }
        }
        if isTerminal {
            let total = counts.accepted + counts.duplicates + counts.rejected
            let elapsed = Double((ContinuousClock.now - started).components.seconds) + 0.001
            FileHandle.standardError.write(
                Data(String(format: "\r%@: %d records, %.0f/s   ", file, total, Double(total) / elapsed).utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print("\(file): \(counts.accepted) accepted, \(counts.duplicates) duplicates, \(counts.rejected) rejected")
        for (path, reason) in reasons.sorted(by: { $0.value.count > $1.value.count }) {
            print("  \(reason.count) × \(path): \(reason.example) (first at line \(reason.firstLine))")
        }
    }
}
