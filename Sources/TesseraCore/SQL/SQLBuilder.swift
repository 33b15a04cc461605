/// Builds the multi-row statements both databases accept, chunked to stay under their
/// bind-parameter limits (SQLite 32,766; PostgreSQL 65,535).
public enum SQLBuilder {
    /// `INSERT INTO table (columns) VALUES (…), (…) suffix`. `markers` gives each column's
    /// parameter marker, e.g. `?::jsonb` for a JSON column.
    public static func insert(
        into table: String, columns: [String], markers: [String]? = nil, rows: [[SQLValue]], suffix: String = ""
    ) -> [SQLStatement] {
        let markers = markers ?? columns.map { _ in "?" }
        let tuple = "(" + markers.joined(separator: ", ") + ")"
        let bulk = BulkInsert(table: table, columns: columns, markers: markers, suffix: suffix)
        return chunks(rows).enumerated().map { index, chunk in
            let sql =
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                + Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
                + (suffix.isEmpty ? "" : " " + suffix)
            var statement = SQLStatement(sql, chunk.flatMap { $0 })
            statement.bulk = bulk
            statement.bulk?.continuesPrevious = index > 0
            return statement
        }
    }

    /// `statements` in as few round trips as the database allows: on PostgreSQL one statement
    /// (each but the last a data-modifying `WITH` part), on SQLite — in process, no round trips —
    /// unchanged.
    ///
    /// Only for statements that are independent: all parts of one PostgreSQL statement see the
    /// same snapshot, so none may read or change a row another one writes (a lot inserted by one
    /// part would be invisible to an `UPDATE` of it in another).
    ///
    /// Multi-row inserts (``BulkInsert``) join as their `unnest` form, so the statement's parameters
    /// stay a few arrays and it is prepared once, however many rows it carries.
    public static func independentWrites(_ statements: [SQLStatement], dialect: SQLDialect) -> [SQLStatement] {
        guard dialect == .postgres, statements.count > 1 else { return statements }
        let statements = BulkInsert.unnested(statements)
        guard statements.count > 1, let last = statements.last else { return statements }
        let parts = statements.dropLast().enumerated().map { index, statement in "w\(index) AS (\(statement.sql))" }
        return [
            SQLStatement(
                "WITH " + parts.joined(separator: ", ") + " " + last.sql, statements.flatMap(\.arguments))
        ]
    }

    /// PostgreSQL: `statements` as one statement that writes only if `check` (a query, run first)
    /// returns a row, and answers the number of its rows: `WITH ok AS (check), w0 AS (…), …
    /// SELECT count(*) FROM ok`. Every write carries `filter` — each multi-row insert as its
    /// `unnest` form's `WHERE`, every other statement already in its text (checked) — so none
    /// writes a row unless the check passed, and the check, which the filters read, runs before
    /// any of them. One statement: all or nothing without a transaction around it.
    static func guardedWrites(_ statements: [SQLStatement], check: SQLStatement, filter: String) -> SQLStatement {
        let filtered = statements.map { statement in
            var statement = statement
            statement.bulk?.filter = filter
            return statement
        }
        let writes = BulkInsert.unnested(filtered)
        for write in writes {
            // A multi-row insert without an unnest form would have run unguarded.
            precondition(write.sql.contains(filter), "a guarded write must carry the filter: \(write.sql)")
        }
        let parts = ["ok AS (\(check.sql))"] + writes.enumerated().map { "w\($0) AS (\($1.sql))" }
        return SQLStatement(
            "WITH " + parts.joined(separator: ", ") + " SELECT count(*) FROM ok",
            check.arguments + writes.flatMap(\.arguments))
    }

    /// Splits rows into chunks whose sizes are powers of two (150 → 128, 16, 4, 2), so a few
    /// statement texts repeat and stay in the prepared-statement cache instead of being compiled
    /// afresh for every batch size.
    static func chunks<Row>(_ rows: [Row], largest: Int = 256) -> [ArraySlice<Row>] {
        var result: [ArraySlice<Row>] = []
        var start = 0
        while start < rows.count {
            var size = largest
            while size > rows.count - start { size /= 2 }
            result.append(rows[start..<start + size])
            start += size
        }
        return result
    }

    /// `?, ?, ?` for an `IN (…)` list of `count` values.
    static func markers(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// `(?, ?), (?, ?)` for a row-value `IN (VALUES …)` list.
    static func tuples(count: Int, width: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        return Array(repeating: tuple, count: count).joined(separator: ", ")
    }

    /// A derived table of typed rows usable in `UPDATE … FROM (…) AS u` on both databases.
    ///
    /// PostgreSQL gets `SELECT * FROM unnest(CAST(? AS T[]), …) AS u(columns)`: one array literal per
    /// column (``BulkInsert``), so the statement's text and parameters do not grow with the rows and
    /// it is prepared once (a `VALUES` list of 128 rows × 20 columns was parsed and planned per
    /// batch; a long `UNION ALL` took 30 ms to plan). SQLite, which cannot name the columns of a
    /// `VALUES` list, gets `SELECT CAST(? AS T) AS c, … UNION ALL SELECT …`.
    ///
    /// That text grows with the rows, and SQLite compiles each new text afresh (a compound SELECT of
    /// 500 rows costs more to compile than the expiry pass's writes for them did). With
    /// `padded`, SQLite's rows are filled up to a power of two with rows of `NULL`s, so a few texts
    /// repeat and stay compiled, as ``chunks(_:largest:)`` does for inserts — only for callers that
    /// join the table on its columns, where a `NULL` row matches nothing.
    static func derivedTable(
        columns: [(name: String, type: String)], rows: [[SQLValue]], dialect: SQLDialect, padded: Bool = false
    ) -> SQLStatement {
        switch dialect {
        case .postgres:
            let table = unnest(types: columns.map(\.type), rows: rows)
            return SQLStatement("SELECT * FROM " + table.sql, table.arguments)
        case .sqlite:
            var count = rows.count
            if padded { count = 1 << (Int.bitWidth - max(1, count - 1).leadingZeroBitCount) }
            let first = columns.map { "CAST(? AS \($0.type)) AS \($0.name)" }.joined(separator: ", ")
            let rest = columns.map { "CAST(? AS \($0.type))" }.joined(separator: ", ")
            let sql = (["SELECT " + first] + Array(repeating: "SELECT " + rest, count: max(0, count - 1)))
                .joined(separator: " UNION ALL ")
            let filler = Array(repeating: SQLValue.null, count: (count - rows.count) * columns.count)
            return SQLStatement(sql, rows.flatMap { $0 } + filler)
        }
    }

    /// A join of `table` (as `alias`) to the rows before it, on `condition`, that probes the table
    /// once per row: on PostgreSQL a `LATERAL` subquery that `OFFSET 0` keeps the planner from
    /// flattening into an ordinary join; on SQLite an ordinary join, which it answers that way anyway.
    ///
    /// Why: over a list of keys PostgreSQL picks a hash join of a whole-table scan whenever its
    /// statistics make the table look small, and they do while a table grows between two analyses.
    /// The expiry pass's lookup of its keys in `points_entries`, which it grows by 100,000 entries,
    /// scanned the table once per batch: 5 ms a batch instead of 1.4 (BENCHMARKS.md, session 31).
    ///
    ///     SQLBuilder.probe("points_entries", as: "e", on: "e.group_id = k.group_id AND …", dialect: .postgres)
    public static func probe(_ table: String, as alias: String, on condition: String, dialect: SQLDialect) -> String {
        switch dialect {
        case .postgres: "CROSS JOIN LATERAL (SELECT * FROM \(table) \(alias) WHERE \(condition) OFFSET 0) AS \(alias)"
        case .sqlite: "JOIN \(table) \(alias) ON \(condition)"
        }
    }

    /// `unnest(CAST(? AS T[]), …)` over `rows`, one array literal per column of the given types
    /// (``BulkInsert``): PostgreSQL's table of rows whose text does not grow with the rows.
    static func unnest(types: [String], rows: [[SQLValue]]) -> SQLStatement {
        SQLStatement(
            "unnest(" + types.map { "CAST(? AS \($0)[])" }.joined(separator: ", ") + ")",
            types.indices.map { column in .text(BulkInsert.arrayLiteral(rows.map { $0[column] })) })
    }

    /// A membership test against `values` (texts) to follow a column: `IN (?, …)`, except for more
    /// than a few values on PostgreSQL, which get `= ANY(CAST(? AS TEXT[]))` with one array literal so
    /// that the statement keeps a few parameters and is prepared once (``PreparedStatements``) — a
    /// list of 200 markers was parsed and planned for every call, ~1 ms a call, as long as the read
    /// it planned. A few values stay markers: PostgreSQL plans a one-member read better for its
    /// values than an array's generic plan does (the real-time segment update's p50 went from 0.53
    /// to 0.94–1.09 ms with arrays; `BENCHMARKS.md`, session 22).
    ///
    /// `"m.id " + oneOf(ids, dialect: .postgres).sql` → `m.id = ANY(CAST(? AS TEXT[]))` (for 9+ ids)
    static func oneOf(_ values: [SQLValue], dialect: SQLDialect) -> SQLStatement {
        guard dialect == .postgres, values.count > 8 else {
            return SQLStatement("IN (" + markers(values.count) + ")", values)
        }
        return SQLStatement("= ANY(CAST(? AS TEXT[]))", [.text(BulkInsert.arrayLiteral(values))])
    }

    /// The alias list that names a ``derivedTable(columns:rows:dialect:)`` on PostgreSQL.
    static func derivedAlias(_ columns: [(name: String, type: String)], dialect: SQLDialect, alias: String = "u")
        -> String
    {
        dialect == .postgres ? alias + "(" + columns.map(\.name).joined(separator: ", ") + ")" : alias
    }
}
