/// The time zone a recurring journey's schedule counts its local times in.
extension Migration {
    static let recurringJourneys = Migration(
        id: "0017_recurring_journeys",
        sqlite: ["ALTER TABLE journey_schedules ADD COLUMN time_zone TEXT"],
        postgres: ["ALTER TABLE journey_schedules ADD COLUMN time_zone TEXT"])
}
