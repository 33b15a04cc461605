/// Message templates (``MessageTemplate``) and the rendered text of each journey message.
extension Migration {
    static let messageTemplates = Migration(
        id: "0015_message_templates",
        sqlite: statements(integer: "INTEGER", bool: "INTEGER"),
        postgres: statements(integer: "BIGINT", bool: "BOOLEAN"))

    private static func statements(integer int: String, bool: String) -> [String] {
        [
            """
            CREATE TABLE message_templates (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            subject TEXT, body TEXT NOT NULL, html \(bool) NOT NULL, updated_at \(int) NOT NULL, \
            PRIMARY KEY (group_id, brand_id, name))
            """,
            "ALTER TABLE journey_messages ADD COLUMN subject TEXT",
            "ALTER TABLE journey_messages ADD COLUMN body TEXT",
        ]
    }
}
