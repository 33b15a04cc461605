public import Foundation

/// The one migration runner for both databases: creates `schema_migrations`, reads what is
/// applied, and applies the rest in order, all in one transaction. On PostgreSQL a transaction
/// advisory lock keeps two starting servers from migrating at once.
public struct MigrationProgram: SQLProgram {
    let dialect: SQLDialect
    let migrations: [Migration]
    let at: Date
    private var phase = 0
    private var pending: [Migration] = []

    public init(dialect: SQLDialect, migrations: [Migration], at: Date) {
        self.dialect = dialect
        self.migrations = migrations
        self.at = at
    }

    public mutating func start() -> SQLStep<[String]> {
        phase = 0
        var statements = [
            SQLStatement(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", [])
        ]
        if dialect == .postgres {
            statements.insert(SQLStatement("SELECT pg_advisory_xact_lock(7365726101)", []), at: 0)
        }
        return .execute(statements)
    }

    public mutating func resume(_ rows: [SQLRow]) -> SQLStep<[String]> {
        phase += 1
        switch phase {
        case 1:
            return .query(SQLStatement("SELECT id FROM schema_migrations", []))
        case 2:
            let applied = Set(rows.compactMap { $0.text(0) })
            pending = migrations.filter { !applied.contains($0.id) }
            let statements = pending.flatMap { migration in
                (dialect == .sqlite ? migration.sqlite : migration.postgres).map { SQLStatement($0, []) }
                    + [
                        SQLStatement(
                            "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
                            [.text(migration.id), .int(Timestamp.micros(at))])
                    ]
            }
            // ANALYZE right after creating tables: a table with statistics (even of zero rows) is
            // estimated from its current size as it grows, while a never-analysed one is taken to
            // be tiny, and key lookups get planned as scans of the whole group until autovacuum runs.
            let analyze = dialect == .postgres && !pending.isEmpty ? [SQLStatement("ANALYZE", [])] : []
            return .execute(statements + analyze)
        default:
            return .done(pending.map(\.id))
        }
    }
}
