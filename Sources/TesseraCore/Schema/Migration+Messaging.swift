/// A brand's delivery policy (frequency caps and quiet hours, ``DeliveryPolicy``).
extension Migration {
    static let messaging = Migration(
        id: "0014_messaging",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            """
            CREATE TABLE messaging_settings (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, policy \(json) NOT NULL, \
            updated_at \(int) NOT NULL, PRIMARY KEY (group_id, brand_id))
            """
        ]
    }
}
