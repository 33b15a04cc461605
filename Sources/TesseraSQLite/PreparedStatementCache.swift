import GRDB
import Synchronization
import TesseraCore

/// The prepared statements of each SQLite connection, at most ``capacity`` per connection, the
/// least recently used finalized first.
///
/// GRDB's own statement cache keeps every statement a connection has prepared until the connection
/// closes. Tessera's SQL texts vary with list lengths (`IN (?, ?, …)`, multi-row inserts, the lookup
/// lists of a batch), so a server running for weeks would keep one compiled program for every
/// length it ever saw: the ingest benchmark alone grew the process by ~100 MiB that way.
///
/// Connections are told apart by their GRDB `Database` object. The driver's pool keeps every
/// connection it opens until the driver closes (nothing asks it to release memory), so no identity
/// is reused while statements of an earlier connection are kept under it.
final class PreparedStatementCache: Sendable {
    /// Statements kept per connection: several times the texts one busy connection cycles through
    /// (ingest's chunked inserts and lookups, the loyalty and journey programs: about 200).
    static let defaultCapacity = 512

    let capacity: Int
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    init(capacity: Int = defaultCapacity) { self.capacity = capacity }

    /// The statement for `sql` on `db`, compiled now unless that connection already holds it. Kept
    /// under `sql` itself, so a text SQLite cannot take as it is (PostgreSQL casts;
    /// ``SQLStatement/sqliteText(_:)``) is rewritten once, not on every execution — a multi-row
    /// insert's text is tens of kilobytes. Must be called from inside one of `db`'s access closures.
    func statement(_ sql: String, in db: Database) throws -> Statement {
        try connection(for: db).statement(sql, in: db, capacity: capacity)
    }

    /// Forgets `sql` on `db` (after it failed: SQLite may leave a failed statement unusable).
    func discard(_ sql: String, in db: Database) {
        connection(for: db).discard(sql)
    }

    /// Finalizes every statement; called before the connections close, when none is in use.
    func removeAll() {
        connections.withLock { $0.removeAll() }
    }

    private func connection(for db: Database) -> Connection {
        connections.withLock { connections in
            if let connection = connections[ObjectIdentifier(db)] { return connection }
            let connection = Connection()
            connections[ObjectIdentifier(db)] = connection
            return connection
        }
    }

    /// One connection's statements.
    ///
    /// `@unchecked Sendable`: the class holds GRDB statements, which are not `Sendable`, and is
    /// handed out through the lock above. It is safe because each instance is only ever used from
    /// inside its own connection's access closures, and GRDB runs those one at a time on that
    /// connection's serial queue — so no two threads touch an instance at once. The exception,
    /// ``PreparedStatementCache/removeAll()``, runs when no closure is running (the driver is closing).
    private final class Connection: @unchecked Sendable {
        private var statements: [String: (statement: Statement, lastUse: UInt64)] = [:]
        private var uses: UInt64 = 0

        func statement(_ sql: String, in db: Database, capacity: Int) throws -> Statement {
            uses += 1
            // One hash of the text, however long, per execution.
            if let index = statements.index(forKey: sql) {
                statements.values[index].lastUse = uses
                return statements.values[index].statement
            }
            if statements.count >= capacity,
                let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                statements[oldest] = nil
            }
            let statement = try db.makeStatement(sql: SQLStatement.sqliteText(sql))
            // The driver binds through SQLite's C API (`SQLiteDriver.bind`); told once that the
            // statement is bound, GRDB only resets it before each execution and never clears the
            // bindings, so each execution's values overwrite the last ones in place.
            statement.setUncheckedArguments(StatementArguments())
            statements[sql] = (statement, uses)
            return statement
        }

        func discard(_ sql: String) { statements[sql] = nil }
    }
}
