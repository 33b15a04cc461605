import Foundation
import TesseraDomain

/// Writes ``DomainEvent``s into `events`. Event ids come from the caller's id (`<id>-e<n>`), so a
/// program stays pure; `ON CONFLICT DO NOTHING` on the idempotency key keeps an emitted event from
/// being written twice.
enum DomainEventSQL {
    /// The columns of `events`, in the order every writer binds them.
    static let columns = [
        "group_id", "id", "idempotency_key", "member_id", "origin_member_id", "brand_id", "kind", "name", "channel",
        "occurred_at", "received_at", "properties",
    ]

    static func insert(_ events: [DomainEvent], group: GroupID, idPrefix: String, dialect: SQLDialect)
        -> [SQLStatement]
    {
        insert(rows: rows(events, group: group, idPrefix: idPrefix), dialect: dialect)
    }

    /// The rows ``insert(rows:dialect:)`` writes for `events`, so that the events of several owners
    /// (a batch of ledger operations) can go out as one statement.
    static func rows(_ events: [DomainEvent], group: GroupID, idPrefix: String) -> [[SQLValue]] {
        let g = SQLValue.text(group.rawValue)
        return events.enumerated().map { index, event in
            let at = SQLValue.int(Timestamp.micros(event.at))
            return [
                g, .text("\(idPrefix)-e\(index)"), .text(event.idempotencyKey), .text(event.member.rawValue),
                .text(event.member.rawValue), .text(event.brand.rawValue), .text(DomainEvent.kind),
                .text(event.name), .text(DomainEvent.channel), at, at,
                .text(JSONValue.object(event.properties).jsonText),
            ]
        }
    }

    static func insert(rows: [[SQLValue]], dialect: SQLDialect) -> [SQLStatement] {
        SQLBuilder.insert(
            into: "events", columns: columns,
            markers: Array(repeating: "?", count: 11) + [dialect == .postgres ? "?::jsonb" : "?"],
            rows: rows, suffix: "ON CONFLICT (group_id, idempotency_key) DO NOTHING")
    }

    /// `INSERT INTO events … SELECT` of domain events named `name` computed in SQL, one per row of
    /// `source` (`FROM … WHERE …`): SQL expressions for the group, the idempotency key (also the event's
    /// id), the member, the brand and the properties' JSON text, skipping keys already written and
    /// returning a row per event written. Arguments, in order: those of `key` twice, the event's
    /// time twice, those of `properties`, then those of `source`.
    static func insertSelect(
        name: String, group: String, key: String, member: String, brand: String, properties: String,
        source: String, dialect: SQLDialect
    ) -> String {
        let json = dialect == .postgres ? "CAST(\(properties) AS JSONB)" : properties
        return """
            INSERT INTO events (\(columns.joined(separator: ", "))) SELECT \(group), \(key), \(key), \(member), \(member), \
            \(brand), '\(DomainEvent.kind)', '\(name)', '\(DomainEvent.channel)', ?, ?, \(json) \(source) \
            ON CONFLICT (group_id, idempotency_key) DO NOTHING RETURNING 1
            """
    }
}
