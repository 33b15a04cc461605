public import Foundation
public import TesseraDomain

/// Marketing events (``MarketingEvent``): emitted as domain events of kind `loyalty` with stable
/// idempotency keys (so emitting again changes nothing), and the pass that enters members into the
/// journeys those — and every other domain event — trigger.
extension SQLTesseraStore {
    public func emitExpiryEvents(at: Date, group: GroupID?) async throws -> Int {
        let now = Timestamp.micros(at)
        let day: Int64 = 86_400_000_000
        let scoped: [SQLValue] = group.map { [.text($0.rawValue)] } ?? []
        var statements: [SQLStatement] = []
        for days in MarketingEvent.couponHorizons {
            let sql = DomainEventSQL.insertSelect(
                name: MarketingEvent.couponExpiring, group: "c.group_id",
                key: "'\(MarketingEvent.couponExpiring):' || c.id || ':\(days)'", member: "c.member_id",
                brand: "c.brand_id",
                properties:
                    "'{\"code\":\"' || c.code || '\",\"templateId\":\"' || c.template_id || '\",\"daysBefore\":\"\(days)\",\"validUntil\":' || CAST(c.valid_until AS TEXT) || '}'",
                source: """
                    FROM coupons c WHERE c.status = 'issued' AND c.valid_until > ? AND c.valid_until <= ?\
                    \(group == nil ? "" : " AND c.group_id = ?")
                    """, dialect: driver.dialect)
            statements.append(
                SQLStatement(sql, [.int(now), .int(now), .int(now), .int(now + Int64(days) * day)] + scoped))
        }
        for days in MarketingEvent.pointsHorizons {
            // One event per member, brand and first expiry day within the horizon.
            let sql = DomainEventSQL.insertSelect(
                name: MarketingEvent.pointsExpiring, group: "l.group_id",
                key:
                    "'\(MarketingEvent.pointsExpiring):' || l.brand_id || ':' || l.member_id || ':\(days):' || CAST(MIN(l.expires_at) / \(day) AS TEXT)",
                member: "l.member_id", brand: "l.brand_id",
                properties:
                    "'{\"points\":' || CAST(SUM(l.remaining) AS TEXT) || ',\"daysBefore\":\"\(days)\",\"expiresAt\":' || CAST(MIN(l.expires_at) AS TEXT) || '}'",
                source: """
                    FROM points_lots l WHERE l.remaining > 0 AND l.expires_at > ? AND l.expires_at <= ?\
                    \(group == nil ? "" : " AND l.group_id = ?") GROUP BY l.group_id, l.brand_id, l.member_id
                    """, dialect: driver.dialect)
            statements.append(
                SQLStatement(sql, [.int(now), .int(now), .int(now), .int(now + Int64(days) * day)] + scoped))
        }
        return try await driver.run(CountingProgram(statements: statements), writes: true)
    }

    public func emitBirthdayEvents(
        group: GroupID, brand: BrandID, monthDays: [String], daysBefore: Int, year: Int, at: Date
    ) async throws -> Int {
        guard !monthDays.isEmpty else { return 0 }
        let now = SQLValue.int(Timestamp.micros(at))
        let sql = DomainEventSQL.insertSelect(
            name: MarketingEvent.birthday, group: "m.group_id",
            key: "'\(MarketingEvent.birthday):' || b.brand_id || ':' || m.id || ':\(year):\(daysBefore)'",
            member: "m.id",
            brand: "b.brand_id",
            properties:
                "'{\"daysBefore\":\"\(daysBefore)\",\"birthday\":\"' || m.birthday || '\",\"year\":\"\(year)\"}'",
            source: """
                FROM members m JOIN member_brands b ON b.group_id = m.group_id AND b.member_id = m.id \
                WHERE m.group_id = ? AND b.brand_id = ? AND m.status = 'active' \
                AND substr(m.birthday, 6, 5) IN (\(SQLBuilder.markers(monthDays.count)))
                """, dialect: driver.dialect)
        return try await driver.run(
            CountingProgram(statements: [
                SQLStatement(
                    sql, [now, now, .text(group.rawValue), .text(brand.rawValue)] + monthDays.map(SQLValue.text))
            ]), writes: true)
    }

    public func recordPrices(_ prices: [(sku: String, priceMinor: Int64)], group: GroupID, brand: BrandID, at: Date)
        async throws -> Int
    {
        let now = SQLValue.int(Timestamp.micros(at))
        // Each threshold reached is a flag journeys match on ("atLeast10": "true").
        let flags = MarketingEvent.dropThresholds.map { percent in
            "CASE WHEN (c.unit_price_minor - ?) * 100 >= \(percent) * c.unit_price_minor THEN ',\"atLeast\(percent)\":\"true\"' ELSE '' END"
        }
        let sql = DomainEventSQL.insertSelect(
            name: MarketingEvent.priceDropped, group: "c.group_id",
            key:
                "'\(MarketingEvent.priceDropped):' || c.brand_id || ':' || c.member_id || ':' || c.sku || ':' || CAST(? AS TEXT)",
            member: "c.member_id", brand: "c.brand_id",
            properties:
                "'{\"sku\":\"' || c.sku || '\",\"fromMinor\":' || CAST(c.unit_price_minor AS TEXT) || ',\"toMinor\":' || CAST(? AS TEXT) || ',\"dropPercent\":' || CAST((c.unit_price_minor - ?) * 100 / c.unit_price_minor AS TEXT) || "
                + flags.joined(separator: " || ") + " || '}'",
            source:
                "FROM cart_items c WHERE c.group_id = ? AND c.brand_id = ? AND c.sku = ? AND c.unit_price_minor > ?",
            dialect: driver.dialect)
        let statements = prices.map { sku, price -> SQLStatement in
            let (p, text) = (SQLValue.int(price), SQLValue.text(String(price)))
            return SQLStatement(
                sql,
                [text, text, now, now, text, p] + Array(repeating: p, count: flags.count) + [
                    .text(group.rawValue), .text(brand.rawValue), .text(sku), p,
                ])
        }
        return try await driver.run(CountingProgram(statements: statements), writes: true)
    }

    public func enterOnDomainEvents(now: Date, lookbackSeconds: Int64, group only: GroupID?) async throws -> Int {
        let micros = Timestamp.micros(now)
        let triggers = try await driver.run(
            QueryProgram(
                JourneyTrigger.select(group: only, names: nil), map: { $0.compactMap(JourneyTrigger.parse) }),
            writes: false)
        var entered = 0
        for (group, grouped) in Dictionary(grouping: triggers, by: \.group) {
            let groupTriggers = grouped.map(\.trigger)
            let names = Array(Set(groupTriggers.map(\.name))).sorted()
            let g = SQLValue.text(group.rawValue)
            let cursor = try await driver.run(
                QueryProgram(
                    SQLStatement("SELECT scanned_until FROM journey_event_scans WHERE group_id = ?", [g]),
                    map: { $0.first?.int(0) }), writes: false)
            // Rescan the last minute too: an event written by a transaction that committed after the
            // previous scan may carry an earlier time. Entry keys make a second entry impossible.
            let from = (cursor ?? micros - lookbackSeconds * 1_000_000) - 60_000_000
            let events = try await driver.run(
                QueryProgram(
                    SQLStatement(
                        """
                        SELECT id, member_id, brand_id, name, channel, occurred_at, CAST(properties AS TEXT), received_at \
                        FROM events \
                        WHERE group_id = ? AND kind = '\(DomainEvent.kind)' AND received_at > ? AND received_at <= ? \
                        AND name IN (\(SQLBuilder.markers(names.count))) AND member_id IS NOT NULL
                        """, [g, .int(from), .int(micros)] + names.map(SQLValue.text)),
                    map: { $0 }), writes: false)
            var candidates: [JourneyTrigger.Event] = []
            var woken: [MemberID] = []
            for row in events {
                guard let id = row.text(0), let member = row.text(1), let brand = row.text(2), let name = row.text(3)
                else { continue }
                let properties = (try? JSONParser.parse(Array((row.text(6) ?? "{}").utf8)))?.objectValue ?? [:]
                candidates.append(
                    JourneyTrigger.Event(
                        id: id, member: MemberID(member), brand: BrandID(brand),
                        fact: EventFact(
                            name: name, channel: row.text(4) ?? "", occurredAt: row.int(5) ?? micros,
                            properties: properties)))
                // Only new events wake waiting runs (the rescanned minute would wake them every second); a
                // late-committed one is still seen when the wait ends, which checks the events themselves.
                if (row.int(7) ?? 0) > from + 60_000_000 { woken.append(MemberID(member)) }
            }
            var statements = JourneyTrigger.entries(
                candidates, triggers: groupTriggers, group: group, ids: ids, now: micros
            ).map { SQLStatement($0.sql + " RETURNING 1", $0.arguments) }
            // Runs waiting for one of these events continue now.
            statements += JourneyTrigger.wake(group: group, members: woken, names: names, now: micros)
            statements.append(
                SQLStatement(
                    """
                    INSERT INTO journey_event_scans (group_id, scanned_until) VALUES (?, ?) \
                    ON CONFLICT (group_id) DO UPDATE SET scanned_until = excluded.scanned_until
                    """, [g, .int(micros)]))
            entered += try await driver.run(CountingProgram(statements: statements), writes: true)
        }
        return entered
    }
}
