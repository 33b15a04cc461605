import ArgumentParser
import Foundation
import TesseraCore
import TesseraDomain

/// `tessera demo`: loads a realistic demo brand — stores, guides, members across WeChat, mini-program,
/// POS, Tmall, JD and the web, with behaviour and orders (some refunded). The same seed always gives
/// the same people, events and orders, and loading twice adds nothing (idempotency keys).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load a deterministic demo brand.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "People to generate.") var members = 3_000
    @Option(help: "Seed: the same seed gives the same data.") var seed: UInt64 = 1

    func run() async throws {
        let store = try await database.openStore()
        let bootstrap = Bootstrap(store: store)
        if try await !bootstrap.isInitialized() { Init.show(try await bootstrap.initialize()) }
        let groups = try await store.groupIDs()
        guard let group = groups.first, groups.count == 1 else { throw ValidationError("demo needs exactly one group") }
        let brand = try await demoBrand(store: store, group: group)
        let principal = Principal(groupID: group, brandID: brand.id, keyID: APIKeyID("demo"), scopes: [.admin])
        let ingest = IngestService(store: store)
        var generator = DemoGenerator(seed: seed, brand: brand.id)
        var totals = (messages: 0, accepted: 0, duplicates: 0)
        var pending: [IngestMessage] = []
        for person in 0..<members {
            pending += generator.person(person)
            if pending.count >= 500 || person == members - 1 {
                let result = try await ingest.ingest(pending.map { .success($0) }, principal: principal)
                totals.messages += pending.count
                totals.accepted += result.accepted
                totals.duplicates += result.duplicates
                pending.removeAll(keepingCapacity: true)
            }
        }
        print(
            "demo brand '\(brand.code)': \(members) people, \(totals.messages) messages (\(totals.accepted) new, \(totals.duplicates) already loaded)"
        )
        try await store.close()
    }

    private func demoBrand(store: SQLTesseraStore, group: GroupID) async throws -> Brand {
        if let existing = try await store.brand(group: group, code: "demo") { return existing }
        let brand = Brand(
            id: BrandID(TenantIDGenerator().next()), groupID: group, code: "demo", name: "Lumière Beauty (demo)")
        let now = Date()
        try await store.createBrand(brand, at: now)
        for (index, city) in DemoGenerator.cities.enumerated() {
            let storeID = StoreID(TenantIDGenerator().next())
            try await store.createStore(
                group: group, id: storeID, brand: brand.id, code: "S\(index + 1)", name: "Lumière \(city)", city: city,
                at: now)
            for guide in 1...2 {
                try await store.createStaff(
                    group: group, id: StaffID(TenantIDGenerator().next()), store: storeID,
                    code: "G\(index + 1)-\(guide)",
                    name: "Guide \(index + 1)-\(guide)", role: "guide", at: now)
            }
        }
        return brand
    }
}

/// Deterministic people, behaviour and orders for the demo.
struct DemoGenerator {
    static let cities = ["Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Nanjing"]
    static let surnames = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"]
    static let givenNames = [
        "Fang", "Min", "Jing", "Li", "Yan", "Lei", "Na", "Qiang", "Xin", "Yu", "Ting", "Hao", "Mei", "Jun",
    ]
    static let catalogue: [(sku: String, name: String, category: String, price: Int64)] = [
        ("SK-101", "Hydrating serum", "skincare", 38_900), ("SK-102", "Night cream", "skincare", 45_900),
        ("SK-103", "Cleansing foam", "skincare", 12_900), ("MU-201", "Lipstick", "makeup", 25_900),
        ("MU-202", "Cushion foundation", "makeup", 39_900), ("FR-301", "Eau de parfum 50ml", "fragrance", 89_900),
        ("BC-401", "Body lotion", "bodycare", 15_900), ("GS-501", "Travel kit", "gift set", 19_900),
    ]
    /// 2025-01-01T00:00:00Z: every generated time is an offset from here.
    static let origin = Date(timeIntervalSince1970: 1_735_689_600)

    var random: SeededRandom
    let seed: UInt64
    let brand: BrandID

    init(seed: UInt64, brand: BrandID) {
        self.random = SeededRandom(seed: seed)
        self.seed = seed
        self.brand = brand
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    private mutating func time(after start: TimeInterval) -> TimeInterval {
        start + Double(random.next() % UInt64(max(1, 58_000_000 - start)))
    }

    /// The messages of one person, in time order.
    mutating func person(_ index: Int) -> [IngestMessage] {
        let prefix = "demo-\(seed)-\(index)-"
        let key = { (n: Int) in prefix + String(n) }
        let channel = pick(["wechat", "wechat", "miniprogram", "pos", "pos", "tmall", "jd", "web"])
        var identifiers: [String] = []
        switch channel {
        case "wechat": identifiers += ["openid:wxdemo_oa:o\(seed)x\(index)", "unionid:u\(seed)x\(index)"]
        case "miniprogram": identifiers += ["openid:wxdemo_mp:m\(seed)x\(index)", "unionid:u\(seed)x\(index)"]
        case "pos": identifiers.append("card:pos:C\(100_000 + index)")
        case "tmall": identifiers.append("buyer:tmall:t\(seed)x\(index)")
        case "jd": identifiers.append("buyer:jd:j\(seed)x\(index)")
        default: identifiers.append("anonymous:web-\(seed)-\(index)")
        }
        let registered = !chance(15)
        let cityIndex = Int(random.next() % UInt64(Self.cities.count))
        if registered {
            identifiers.append("phone:+861\(3 + random.next() % 7)\(String(format: "%09d", 100_000_000 + index))")
            if chance(40) { identifiers.append("email:\(index)-\(seed)@demo.example.com") }
        }
        let parsed = identifiers.compactMap { try? Identifier.parse($0) }
        var messages: [IngestMessage] = []
        var clock = time(after: 0)
        let joined = Self.origin.addingTimeInterval(clock)
        if registered {
            let profile = ProfilePatch(
                name: pick(Self.surnames) + " " + pick(Self.givenNames), gender: chance(78) ? "female" : "male",
                birthday: String(
                    format: "%04d-%02d-%02d", 1965 + Int(random.next() % 40), 1 + Int(random.next() % 12),
                    1 + Int(random.next() % 28)),
                region: nil, city: Self.cities[cityIndex], sourceChannel: channel, homeStoreCode: "S\(cityIndex + 1)",
                guideCode: "G\(cityIndex + 1)-\(1 + random.next() % 2)", joinedAt: joined,
                consent: [
                    "sms": chance(70), "email": chance(40), "wechat": channel == "wechat" || channel == "miniprogram",
                ])
            messages.append(
                IngestMessage(
                    idempotencyKey: key(0), kind: .member, identifiers: parsed, registers: true, channel: channel,
                    brandID: brand,
                    occurredAt: joined, profile: profile))
        }
        let behaviour = [
            "Product Viewed", "Product Viewed", "Article Read", "Product Added", "Menu Clicked", "Store Visited",
        ]
        for n in 1...(3 + Int(random.next() % 15)) {
            clock = min(clock + Double(random.next() % 2_000_000), 58_000_000)
            let product = pick(Self.catalogue)
            let name = pick(behaviour)
            messages.append(
                IngestMessage(
                    idempotencyKey: key(n), kind: .track, identifiers: parsed, registers: registered, name: name,
                    channel: channel, brandID: brand, occurredAt: Self.origin.addingTimeInterval(clock),
                    properties: .object(["sku": .string(product.sku), "category": .string(product.category)]),
                    cart: name == CartChange.addedEvent
                        ? CartChange(
                            item: OrderItem(
                                sku: product.sku, name: product.name, category: product.category, quantity: 1,
                                unitPriceMinor: product.price), quantityDelta: 1, currency: "CNY")
                        : nil))
        }
        // WeChat members follow the official account when they join; some leave again.
        if channel == "wechat" {
            for (n, name) in [FollowStatus.followEvent, FollowStatus.unfollowEvent].enumerated()
            where n == 0 || chance(15) {
                messages.append(
                    IngestMessage(
                        idempotencyKey: key(90 + n), kind: .track, identifiers: parsed, registers: registered,
                        name: name, channel: channel, brandID: brand,
                        occurredAt: joined.addingTimeInterval(Double(n) * 86_400 * Double(1 + random.next() % 60))))
            }
        }
        guard registered || chance(20) else { return messages }
        for n in 0..<Int(random.next() % 6) {
            clock = min(clock + Double(random.next() % 4_000_000), 58_000_000)
            var items: [OrderItem] = []
            for _ in 0...Int(random.next() % 3) {
                let product = pick(Self.catalogue)
                items.append(
                    OrderItem(
                        sku: product.sku, name: product.name, category: product.category, brand: "Lumière",
                        quantity: 1 + Int(random.next() % 2), unitPriceMinor: product.price))
            }
            let total = items.reduce(Int64(0)) { $0 + $1.unitPriceMinor * Int64($1.quantity) }
            let discount = chance(30) ? total / 10 : 0
            let orderChannel = channel == "web" ? "miniprogram" : channel
            let at = Self.origin.addingTimeInterval(clock)
            let order = OrderInput(
                externalID: "D\(seed)-\(index)-\(n)", channel: orderChannel,
                storeCode: orderChannel == "pos" ? "S\(cityIndex + 1)" : nil,
                status: .paid, currency: "CNY", totalMinor: total, discountMinor: discount, paidMinor: total - discount,
                couponCode: discount > 0 ? "WELCOME10" : nil, items: items, occurredAt: at)
            messages.append(
                IngestMessage(
                    idempotencyKey: key(100 + n), kind: .order, identifiers: parsed, channel: orderChannel,
                    brandID: brand,
                    occurredAt: at, properties: .object(["orderId": .string(order.externalID)]), order: order))
            if chance(8) {
                var refund = order
                refund.refundedMinor = chance(50) ? order.paidMinor : order.paidMinor / 2
                refund.occurredAt = at.addingTimeInterval(86_400 * 3)
                messages.append(
                    IngestMessage(
                        idempotencyKey: key(200 + n), kind: .order, identifiers: parsed, channel: orderChannel,
                        brandID: brand,
                        occurredAt: refund.occurredAt, properties: .object(["orderId": .string(order.externalID)]),
                        order: refund))
            }
        }
        return messages
    }
}
