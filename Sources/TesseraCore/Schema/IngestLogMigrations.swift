/// The schema of the ingest log, which lives in a database of its own on SQLite (its own writer, so
/// accepting requests never waits behind a projection) and beside the member tables on PostgreSQL.
/// Append only, like ``Migrations``. The body is the last column: SQLite keeps a long value in
/// overflow pages, and reading any column stored after it would walk them.
public enum IngestLogMigrations {
    public static let all: [Migration] = [
        Migration(
            id: "log_0001_ingest_log",
            sqlite: [
                """
                CREATE TABLE ingest_log (seq INTEGER PRIMARY KEY, group_id TEXT NOT NULL, brand_id TEXT NOT NULL, \
                source TEXT NOT NULL, received_at INTEGER NOT NULL, message_count INTEGER NOT NULL, \
                attempts INTEGER NOT NULL DEFAULT 0, leased_until INTEGER NOT NULL DEFAULT 0, last_error TEXT, \
                body TEXT NOT NULL)
                """
            ],
            postgres: [
                """
                CREATE TABLE ingest_log (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, group_id TEXT NOT NULL, \
                brand_id TEXT NOT NULL, source TEXT NOT NULL, received_at BIGINT NOT NULL, \
                message_count INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, \
                leased_until BIGINT NOT NULL DEFAULT 0, last_error TEXT, body TEXT NOT NULL)
                """
            ]),
        // Byte-wise text, as every member table's (``Migration/textCollation`` says why).
        Migration(
            id: "log_0002_text_collation", sqlite: [],
            postgres: [Migration.collateTextColumns(ofTables: ["ingest_log"])]),
    ]
}
