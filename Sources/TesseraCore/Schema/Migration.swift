/// One schema change, written once for each dialect. Both stores run the same ordered list,
/// recording applied ids in `schema_migrations`, so SQLite and PostgreSQL never drift apart.
public struct Migration: Sendable {
    /// Sortable, never reused: `0001_foundation`.
    public let id: String
    public let sqlite: [String]
    public let postgres: [String]

    public init(id: String, sqlite: [String], postgres: [String]) {
        self.id = id
        self.sqlite = sqlite
        self.postgres = postgres
    }
}

/// The SQL dialect a statement is written for.
public enum SQLDialect: Sendable {
    case sqlite, postgres
}
