import Foundation
import TesseraDomain

/// A published journey version entered by events of one name, and the SQL that reads them, enters
/// matching events' members and wakes runs waiting for events — shared by ingest (in its
/// transaction) and the worker's scan of domain events.
struct JourneyTrigger: Sendable {
    var brand: BrandID
    var journey: String
    var version: Int64
    var name: String
    var definition: JourneyDefinition

    /// An event that may enter its member.
    struct Event {
        var id: String
        var member: MemberID
        var brand: BrandID
        var fact: EventFact
    }

    /// The triggers of published journeys, of one group or all, for some event names or all. Columns:
    /// group, brand, journey, version, name, definition (``parse(_:)``).
    static func select(group: GroupID?, names: [String]?) -> SQLStatement {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let group {
            conditions.append("t.group_id = ?")
            arguments.append(.text(group.rawValue))
        }
        if let names {
            conditions.append("t.name IN (\(SQLBuilder.markers(names.count)))")
            arguments += names.map(SQLValue.text)
        }
        return SQLStatement(
            """
            SELECT t.group_id, t.brand_id, t.journey_id, t.version, t.name, CAST(v.definition AS TEXT) \
            FROM journey_triggers t JOIN journeys j ON j.group_id = t.group_id AND j.id = t.journey_id \
            AND j.status = 'published' JOIN journey_versions v ON v.group_id = t.group_id \
            AND v.journey_id = t.journey_id AND v.version = t.version\
            \(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            """, arguments)
    }

    /// A row of ``select(group:names:)`` and its group; nil for a row of NULLs or an unreadable definition.
    static func parse(_ row: SQLRow) -> (group: GroupID, trigger: JourneyTrigger)? {
        guard let group = row.text(0), let brand = row.text(1), let journey = row.text(2), let text = row.text(5),
            let json = try? JSONParser.parse(Array(text.utf8)), let definition = try? JourneyParser.parse(json)
        else { return nil }
        return (
            GroupID(group),
            JourneyTrigger(
                brand: BrandID(brand), journey: journey, version: row.int(3) ?? 0, name: row.text(4) ?? "",
                definition: definition)
        )
    }

    /// The entry statements for each event a trigger of its brand matches (the guardrails decide in SQL).
    static func entries(
        _ events: [Event], triggers: [JourneyTrigger], group: GroupID, ids: any IDGenerator, now: Int64
    ) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        for event in events {
            for trigger in triggers where trigger.brand == event.brand {
                guard case .event(let matcher, _, _, _) = trigger.definition.entry, matcher.matches(event.fact),
                    let entry = JourneySQL.enter(
                        group: group, brand: trigger.brand, journey: trigger.journey, version: trigger.version,
                        definition: trigger.definition, member: event.member, event: event.id,
                        at: event.fact.occurredAt, runID: ids.next(), now: now)
                else { continue }
                statements.append(entry)
            }
        }
        return statements
    }

    /// Makes runs of `members` waiting for one of `names` due now.
    static func wake(group: GroupID, members: [MemberID], names: [String], now: Int64) -> [SQLStatement] {
        guard !names.isEmpty else { return [] }
        return SQLBuilder.chunks(Array(Set(members)).sorted(), largest: 256).map { chunk in
            SQLStatement(
                """
                UPDATE journey_runs SET due_at = ? WHERE group_id = ? AND member_id IN (\(SQLBuilder.markers(chunk.count))) \
                AND wake_on IN (\(SQLBuilder.markers(names.count))) AND status = 'active' AND due_at > ?
                """,
                [.int(now), .text(group.rawValue)] + chunk.map { .text($0.rawValue) } + names.map(SQLValue.text)
                    + [.int(now)])
        }
    }
}
