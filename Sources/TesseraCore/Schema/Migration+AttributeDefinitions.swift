/// Custom member attributes declared per brand.
extension Migration {
    static let attributeDefinitions = Migration(
        id: "0002_attribute_definitions",
        sqlite: [
            """
            CREATE TABLE attribute_definitions (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            type TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (group_id, brand_id, name))
            """
        ],
        postgres: [
            """
            CREATE TABLE attribute_definitions (group_id TEXT NOT NULL, brand_id TEXT NOT NULL, name TEXT NOT NULL, \
            type TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (group_id, brand_id, name))
            """
        ]
    )
}
