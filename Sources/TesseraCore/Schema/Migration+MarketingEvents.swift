/// Journeys entered by domain events (segment changes, expiring coupons and points, birthdays, price
/// drops): how far each group's events were scanned, and an index over domain events by arrival.
extension Migration {
    static let marketingEvents = Migration(
        id: "0020_marketing_events",
        sqlite: statements(integer: "INTEGER"),
        postgres: statements(integer: "BIGINT"))

    private static func statements(integer int: String) -> [String] {
        [
            "CREATE TABLE journey_event_scans (group_id TEXT NOT NULL PRIMARY KEY, scanned_until \(int) NOT NULL)",
            "CREATE INDEX events_domain_received ON events (group_id, received_at) WHERE kind = 'loyalty'",
        ]
    }
}
