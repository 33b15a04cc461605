import Foundation
import TesseraCore
import TesseraDomain

/// The deterministic data set of `tessera bench segments` (issue 4): members with consistent
/// aggregates, behaviour events, orders with lines and open points lots, generated member by member
/// from a seed and written in large multi-row transactions. The same rows can be written as CSV for
/// the DuckDB baseline, so both engines answer over identical data.
struct SegmentBenchData {
    static let day: Int64 = 86_400_000_000
    static let eventNames = [
        "Product Viewed", "Product Viewed", "Product Viewed", "Product Viewed", "Article Read", "Product Added",
        "share", "follow", "Store Visited",
    ]
    static let channels = ["wechat", "miniprogram", "pos", "tmall", "web"]
    static let cities = ["Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Nanjing"]
    /// Twelve product categories `c01`…`c12`; a SKU's category is fixed by its number.
    static func category(ofSKU sku: Int) -> String { String(format: "c%02d", sku % 12 + 1) }

    let members: Int
    let eventsPerMember: Int
    let ordersPerMember: Int
    let seed: UInt64
    /// The instant the data is generated around (microseconds): events and orders fall in the year
    /// before it, lots expire from 10 days before to 120 days after.
    let now: Int64

    /// One chunk of generated rows, per table, in the column order of ``columns``.
    struct Chunk {
        var members: [[SQLValue]] = []
        var memberBrands: [[SQLValue]] = []
        var identifiers: [[SQLValue]] = []
        var events: [[SQLValue]] = []
        var orders: [[SQLValue]] = []
        var items: [[SQLValue]] = []
        var accounts: [[SQLValue]] = []
        var lots: [[SQLValue]] = []
    }

    static let columns: [(table: String, columns: [String])] = [
        (
            "members",
            [
                "group_id", "id", "sample", "registered", "kind", "gender", "birthday", "city", "source_channel",
                "joined_at",
                "event_count", "first_seen_at", "last_seen_at", "order_count", "first_order_at", "last_order_at",
                "total_spend_minor", "created_at", "updated_at",
            ]
        ),
        ("member_brands", ["group_id", "member_id", "brand_id", "joined_at"]),
        ("member_identifiers", ["group_id", "type", "value", "member_id", "created_at"]),
        (
            "events",
            [
                "group_id", "id", "idempotency_key", "member_id", "origin_member_id", "brand_id", "kind", "name",
                "channel", "occurred_at", "received_at", "properties",
            ]
        ),
        (
            "orders",
            [
                "group_id", "id", "brand_id", "external_id", "member_id", "origin_member_id", "channel", "store_code",
                "status", "currency", "total_minor", "discount_minor", "paid_minor", "refunded_minor", "placed_at",
                "paid_at", "updated_at",
            ]
        ),
        (
            "order_items",
            ["group_id", "order_id", "line", "sku", "product_id", "category", "brand", "quantity", "unit_price_minor"]
        ),
        ("points_accounts", ["group_id", "brand_id", "member_id", "balance", "debt", "updated_at"]),
        (
            "points_lots",
            ["group_id", "id", "brand_id", "member_id", "earned_at", "expires_at", "amount", "remaining"]
        ),
    ]

    /// Rows for members `range` (the same rows for the same seed, whatever the chunking).
    func chunk(_ range: Range<Int>, group: GroupID, brand: BrandID) -> Chunk {
        var chunk = Chunk()
        let (g, b) = (SQLValue.text(group.rawValue), SQLValue.text(brand.rawValue))
        for index in range {
            var random = SeededRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
            func chance(_ percent: Int) -> Bool { below(100) < percent }
            let id = String(format: "m%07d", index)
            let m = SQLValue.text(id)
            let joined = now - Int64(below(3 * 365)) * Self.day - Int64(below(86_400)) * 1_000_000

            var seen: [Int64] = []
            for number in 0..<below(2 * eventsPerMember + 1) {
                let at = now - Int64(below(365 * 86_400)) * 1_000_000 - 1
                let sku = below(500)
                let key = SQLValue.text("\(id)-e\(number)")
                chunk.events.append([
                    g, key, key, m, m, b, .text("track"), .text(Self.eventNames[below(Self.eventNames.count)]),
                    .text(Self.channels[below(Self.channels.count)]), .int(at), .int(at),
                    .text(#"{"sku":"S\#(sku)","category":"\#(Self.category(ofSKU: sku))"}"#),
                ])
                seen.append(at)
            }

            var purchases: [(at: Int64, amount: Int64)] = []
            for number in 0..<below(2 * ordersPerMember + 1) {
                let orderID = SQLValue.text("\(id)-o\(number)")
                let channel = Self.channels[below(Self.channels.count)]
                let placed = now - Int64(below(365 * 86_400)) * 1_000_000 - 1
                let roll = below(100)
                let status = roll < 85 ? "paid" : roll < 93 ? "refunded" : roll < 98 ? "partially_refunded" : "placed"
                var total: Int64 = 0
                for line in 0..<(1 + below(3)) {
                    let sku = below(500)
                    let quantity = Int64(1 + below(3))
                    let price = Int64(1_000 + below(49_000))
                    total += quantity * price
                    chunk.items.append([
                        g, orderID, .int(Int64(line)), .text("S\(sku)"), .text("P\(sku / 5)"),
                        .text(Self.category(ofSKU: sku)), .text(sku % 7 == 0 ? "zen" : "lumiere"), .int(quantity),
                        .int(price),
                    ])
                }
                let paidAt: Int64? = status == "placed" ? nil : placed + 60_000_000
                let refunded = status == "refunded" ? total : status == "partially_refunded" ? total / 2 : 0
                chunk.orders.append([
                    g, orderID, b, orderID, m, m, .text(channel),
                    channel == "pos" ? .text("S\(1 + below(50))") : .null, .text(status), .text("CNY"), .int(total),
                    .int(0), .int(total), .int(refunded), .int(placed), paidAt.map(SQLValue.int) ?? .null, .int(placed),
                ])
                if status == "paid" || status == "partially_refunded", let paidAt {
                    purchases.append((paidAt, total - refunded))
                }
            }

            if chance(40) {
                var balance: Int64 = 0
                for number in 0..<(1 + below(3)) {
                    let amount = Int64(100 + below(1_900))
                    let remaining = Int64(below(Int(amount) + 1))
                    balance += remaining
                    chunk.lots.append([
                        g, .text("\(id)-l\(number)"), b, m, .int(now - Int64(below(300)) * Self.day),
                        .int(now + Int64(below(130) - 10) * Self.day), .int(amount), .int(remaining),
                    ])
                }
                chunk.accounts.append([g, b, m, .int(balance), .int(0), .int(now)])
            }

            let registered = chance(70)
            chunk.members.append([
                g, m, .int(SegmentEstimate.bucket(of: MemberID(id))), .bool(registered),
                .text(registered ? "member" : "prospect"),
                .text(chance(78) ? "female" : "male"),
                .text(String(format: "%04d-%02d-%02d", 1960 + below(45), 1 + below(12), 1 + below(28))),
                .text(Self.cities[below(Self.cities.count)]), .text(Self.channels[below(Self.channels.count)]),
                .int(joined), .int(Int64(seen.count)), seen.min().map(SQLValue.int) ?? .null,
                seen.max().map(SQLValue.int) ?? .null, .int(Int64(purchases.count)),
                purchases.map(\.at).min().map(SQLValue.int) ?? .null,
                purchases.map(\.at).max().map(SQLValue.int) ?? .null,
                .int(purchases.reduce(0) { $0 + $1.amount }), .int(joined), .int(now),
            ])
            chunk.memberBrands.append([g, m, b, .int(joined)])
            chunk.identifiers.append([g, .text("external"), m, m, .int(joined)])
        }
        return chunk
    }

    /// Statements inserting `chunk` (JSON columns cast on PostgreSQL).
    static func statements(_ chunk: Chunk, dialect: SQLDialect) -> [SQLStatement] {
        let rows = [
            chunk.members, chunk.memberBrands, chunk.identifiers, chunk.events, chunk.orders, chunk.items,
            chunk.accounts, chunk.lots,
        ]
        return zip(columns, rows).flatMap { table, rows in
            SQLBuilder.insert(
                into: table.table, columns: table.columns,
                markers: table.columns.map { $0 == "properties" && dialect == .postgres ? "?::jsonb" : "?" },
                rows: rows)
        }
    }

    /// Appends `chunk` as CSV (with headers on first use) to one file per table in `directory`.
    static func appendCSV(_ chunk: Chunk, to directory: URL) throws {
        let rows = [
            chunk.members, chunk.memberBrands, chunk.identifiers, chunk.events, chunk.orders, chunk.items,
            chunk.accounts, chunk.lots,
        ]
        for (table, rows) in zip(columns, rows) {
            let url = directory.appendingPathComponent("\(table.table).csv")
            var text = ""
            if !FileManager.default.fileExists(atPath: url.path) {
                text += table.columns.joined(separator: ",") + "\n"
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
            }
            for row in rows { text += row.map(csvField).joined(separator: ",") + "\n" }
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
    }

    private static func csvField(_ value: SQLValue) -> String {
        switch value {
        case .null: return ""
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .text(let text): return CSVField.escaped(text)
        }
    }
}
