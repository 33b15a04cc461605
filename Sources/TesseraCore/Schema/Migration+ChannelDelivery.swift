/// What real channels need: templates' named fields (WeChat template data) and each message's
/// rendered fields; tracked links (``JourneyLink``) and when a message was first clicked.
extension Migration {
    static let channelDelivery = Migration(
        id: "0018_channel_delivery",
        sqlite: statements(integer: "INTEGER", json: "TEXT"),
        postgres: statements(integer: "BIGINT", json: "JSONB"))

    private static func statements(integer int: String, json: String) -> [String] {
        [
            "ALTER TABLE message_templates ADD COLUMN fields \(json) NOT NULL DEFAULT '{}'",
            "ALTER TABLE journey_messages ADD COLUMN fields \(json)",
            "ALTER TABLE journey_messages ADD COLUMN clicked_at \(int)",
            """
            CREATE TABLE journey_links (token TEXT NOT NULL PRIMARY KEY, group_id TEXT NOT NULL, \
            message_id TEXT NOT NULL, position \(int) NOT NULL, url TEXT NOT NULL, clicks \(int) NOT NULL DEFAULT 0, \
            first_clicked_at \(int), last_clicked_at \(int))
            """,
            "CREATE INDEX journey_links_message ON journey_links (group_id, message_id)",
        ]
    }
}
