import Foundation
import Testing
import TesseraCore
import TesseraDomain

/// Each shipped journey (``JourneyBlueprint``) installed and run on both stores with a controlled
/// clock: members enter, wait, branch, receive and convert as SPEC §7 describes.
@Suite("Shipped journeys on SQLite and PostgreSQL")
struct ShippedJourneyTests {
    struct World {
        let tenant: Tenant
        let journeys: JourneyService
        let start: Date
        var group: GroupID { tenant.principal.groupID }
        var brand: BrandID { tenant.principal.brandID }

        init(_ backend: Backend) async throws {
            tenant = try await Tenant.make(try await backend.makeStore())
            journeys = JourneyService(store: tenant.store, segments: SegmentService(store: tenant.store))
            start = Date()
        }

        func at(days: Double = 0, hours: Double = 0, minutes: Double = 0) -> Date {
            start.addingTimeInterval(days * 86_400 + hours * 3_600 + minutes * 60)
        }

        func event(_ key: String, _ who: String, _ name: String, at: Date, registers: Bool = false) throws
            -> IngestMessage
        {
            var message = try message(key, [who], registers: registers, name: name, at: at.timeIntervalSince1970)
            message.brandID = brand
            return message
        }

        func order(_ key: String, _ who: String, at: Date) throws -> IngestMessage {
            var message = try message(
                key, [who], kind: .order, name: nil, at: at.timeIntervalSince1970,
                order: OrderInput(
                    externalID: key, channel: "web", status: .paid, currency: "CNY", totalMinor: 5_000,
                    paidMinor: 5_000, items: [OrderItem(sku: "CREAM", quantity: 1, unitPriceMinor: 5_000)],
                    occurredAt: at))
            message.brandID = brand
            return message
        }

        func install(_ id: String, _ parameters: [String: JSONValue] = [:], at: Date? = nil) async throws -> String {
            let blueprint = try #require(JourneyBlueprint.named(id))
            return try await journeys.install(
                blueprint: blueprint, name: id.replacingOccurrences(of: "-", with: "_"), parameters: parameters,
                publish: true, group: group, brand: brand, at: at ?? start
            ).journey.id
        }

        /// Runs everything due at `now`: marketing events, entries, steps, grants.
        func run(at now: Date) async throws {
            try await journeys.emitMarketingEvents(at: now, group: group)
            try await journeys.enterOnDomainEvents(at: now, group: group)
            while try await journeys.runDue(at: now, group: group) > 0 {}
            while try await journeys.grantDue(at: now, group: group) > 0 {}
        }

        func delivered(_ journey: String) async throws -> [String: Int64] {
            try await tenant.store.journeyStatistics(group: group, journeyID: journey).messages.compactMapValues {
                $0["delivered"]
            }
        }

        func member(_ identifier: String) async throws -> MemberID {
            try #require(try await tenant.member(identifier)).id
        }
    }

    @Test(arguments: Backend.allCases)
    func welcomeSeries(backend: Backend) async throws {
        let world = try await World(backend)
        let journey = try await world.install("welcome-series")
        try await world.tenant.send([
            try world.event("a", "external:bound", FollowStatus.followEvent, at: world.start, registers: true),
            try world.event("b", "openid:wx1:unbound", FollowStatus.followEvent, at: world.start),
        ])
        try await world.run(at: world.at(minutes: 1))
        #expect(try await world.delivered(journey) == ["bind_prompt": 2])
        try await world.run(at: world.at(minutes: 61))
        #expect(try await world.delivered(journey) == ["bind_prompt": 2, "bind_reminder": 1, "week1": 2])
        try await world.run(at: world.at(days: 7, minutes: 62))
        try await world.run(at: world.at(days: 14, minutes: 62))
        #expect(
            try await world.delivered(journey) == [
                "bind_prompt": 2, "bind_reminder": 1, "week1": 2, "week2": 2, "week3": 2,
            ])
        let runs = try await world.tenant.store.journeyStatistics(group: world.group, journeyID: journey).runs
        #expect(runs == ["exited": 2])
    }

    @Test(arguments: Backend.allCases)
    func abandonedCart(backend: Backend) async throws {
        let world = try await World(backend)
        let journey = try await world.install("abandoned-cart")
        var carts: [IngestMessage] = []
        for who in ["external:hesitant", "external:decided"] {
            var added = try world.event("add-\(who)", who, CartChange.addedEvent, at: world.start)
            added.cart = CartChange(
                item: OrderItem(sku: "CREAM", name: "Cream", quantity: 1, unitPriceMinor: 5_000), quantityDelta: 1,
                currency: "CNY")
            carts.append(added)
        }
        try await world.tenant.send(carts)
        try await world.tenant.send([try world.order("o-decided", "external:decided", at: world.at(hours: 2))])
        try await world.run(at: world.at(hours: 24, minutes: 1))
        #expect(try await world.delivered(journey) == ["remind": 1])
        let reminded = try await world.tenant.store.journeyMessages(
            group: world.group, journeyID: journey, status: "delivered", reason: nil, limit: 5)
        #expect(reminded.map(\.member) == [try await world.member("external:hesitant")])
        #expect(reminded.first?.body?.contains("1 items: Cream") == true)
        // The reminded member orders the next day: the goal.
        try await world.tenant.send([try world.order("o-hesitant", "external:hesitant", at: world.at(hours: 30))])
        try await world.run(at: world.at(hours: 30, minutes: 1))
        let runs = try await world.tenant.store.journeyStatistics(group: world.group, journeyID: journey).runs
        #expect(runs == ["goal": 1, "excluded": 1])
    }

    @Test(arguments: Backend.allCases)
    func replenishment(backend: Backend) async throws {
        let world = try await World(backend)
        let journey = try await world.install("replenishment", ["cycleDays": .number(28)])
        try await world.tenant.send([
            try world.order("e1", "external:lapsing", at: world.start),
            try world.order("f1", "external:loyal", at: world.start),
        ])
        try await world.tenant.send([try world.order("f2", "external:loyal", at: world.at(days: 20))])
        for day in stride(from: 0.0, through: 42, by: 1) { try await world.run(at: world.at(days: day, minutes: 1)) }
        // −14 days: both first runs and the loyal member's second; at the cycle's end and 14 days
        // after, only the member who did not buy again.
        #expect(try await world.delivered(journey) == ["soon": 3, "due": 1, "overdue": 1])
        let statistics = try await world.tenant.store.journeyStatistics(group: world.group, journeyID: journey)
        #expect(statistics.runs["goal"] == 1 && statistics.runs["exited"] == 1 && statistics.runs["active"] == 1)
    }

    @Test(arguments: Backend.allCases)
    func festivalPreheat(backend: Backend) async throws {
        let world = try await World(backend)
        try await world.tenant.send([
            try world.event("g", "external:fan", FollowStatus.followEvent, at: world.start),
            try world.event("h", "external:quiet", FollowStatus.followEvent, at: world.at(days: -10)),
        ])
        let preheat = world.at(hours: 1)
        let journey = try await world.install(
            "festival-preheat", ["preheatAt": .string(ISO8601DateFormatter().string(from: preheat))])
        try await world.run(at: world.at(hours: 1, minutes: 1))
        #expect(try await world.delivered(journey) == ["preheat": 1])
        try await world.run(at: world.at(days: 3, hours: 1, minutes: 1))
        #expect(try await world.delivered(journey) == ["preheat": 1, "festival": 1])
        let messages = try await world.tenant.store.journeyMessages(
            group: world.group, journeyID: journey, status: nil, reason: nil, limit: 5)
        #expect(Set(messages.map(\.member)) == [try await world.member("external:fan")])
    }

    @Test(arguments: Backend.allCases)
    func birthdayCare(backend: Backend) async throws {
        let world = try await World(backend)
        let timeZone = try await world.journeys.segments.context(
            group: world.group, brand: world.brand, at: world.start
        )
        .timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // The birthday is the local date the runs below look at (a week after the first run, the
        // day of the second): computed from `start` itself, it missed when a minute crossed midnight.
        let birthday = calendar.dateComponents([.month, .day], from: world.at(days: 7, minutes: 1))
        var member = try world.event("i", "external:celebrant", "Viewed", at: world.start)
        member.profile = ProfilePatch(
            birthday: String(format: "1991-%02d-%02d", birthday.month ?? 1, birthday.day ?? 1))
        try await world.tenant.send([member, try world.event("j", "external:other", "Viewed", at: world.start)])
        let journey = try await world.install("birthday-care")
        try await world.run(at: world.at(minutes: 1))
        try await world.run(at: world.at(days: 7, minutes: 1))
        #expect(try await world.delivered(journey) == ["soon": 1, "today": 1])
        let grants = try await world.tenant.store.journeyGrants(group: world.group, journeyID: journey)
        #expect(grants["gift"] == ["granted": 1])
        let coupons = try await world.tenant.store.memberCoupons(
            group: world.group, brand: world.brand, member: try await world.member("external:celebrant"))
        #expect(coupons.count == 1)
    }

    @Test(arguments: Backend.allCases)
    func dormantWinback(backend: Backend) async throws {
        let world = try await World(backend)
        try await world.tenant.send([
            try world.order("j-old", "external:gone", at: world.at(days: -100)),
            try world.order("k-old", "external:tempted", at: world.at(days: -100)),
            try world.order("l-new", "external:active", at: world.at(days: -5)),
        ])
        let journey = try await world.install("dormant-winback")
        let tempted = try await world.member("external:tempted")
        var returned = false
        for day in stride(from: 0.0, through: 30, by: 1) {
            try await world.run(at: world.at(days: day, minutes: 1))
            let sent = try await world.tenant.store.journeyMessages(
                group: world.group, journeyID: journey, status: "delivered", reason: nil, limit: 20)
            if !returned, sent.contains(where: { $0.member == tempted }) {
                // The first wave brings one member back the next day.
                try await world.tenant.send([try world.order("k-back", "external:tempted", at: world.at(days: day + 1))]
                )
                returned = true
            }
        }
        #expect(try await world.delivered(journey) == ["send1": 2, "send2": 1, "send3": 1])
        let grants = try await world.tenant.store.journeyGrants(group: world.group, journeyID: journey)
        #expect(
            grants["wave1"] == ["granted": 2] && grants["wave2"] == ["granted": 1] && grants["wave3"] == ["granted": 1])
        let runs = try await world.tenant.store.journeyStatistics(group: world.group, journeyID: journey).runs
        #expect(runs == ["goal": 1, "exited": 1])
    }
}
