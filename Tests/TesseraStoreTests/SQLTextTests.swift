import Testing
import TesseraCore

/// The dialect rewrites every statement goes through.
@Suite("SQL text per dialect")
struct SQLTextTests {
    @Test func sqliteTextDropsEveryJSONBCastAndNothingElse() {
        #expect(SQLStatement.sqliteText("SELECT 1") == "SELECT 1")
        #expect(
            SQLStatement.sqliteText("INSERT INTO t (a, b) VALUES (?, ?::jsonb), (?, ?::jsonb)")
                == "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)")
        #expect(SQLStatement.sqliteText("SELECT '12:30', x::jsonb, ':' FROM t") == "SELECT '12:30', x, ':' FROM t")
        #expect(SQLStatement.sqliteText("SELECT x::json FROM t") == "SELECT x::json FROM t")
        #expect(SQLStatement.sqliteText("::jsonb::jsonb") == "")
        #expect(SQLStatement.sqliteText("SELECT 'café'::jsonb, '中文'") == "SELECT 'café', '中文'")
    }

    @Test func multiRowInsertsRunAsOneUnnestOfColumnArraysOnPostgres() throws {
        let rows: [[SQLValue]] = [
            [.text("x\"y\\z 中"), .int(1), .text("{\"k\": 1}"), .null, .bool(true)],
            [.null, .int(-2), .null, .null, .bool(false)],
        ]
        let statement = try #require(
            SQLBuilder.insert(
                into: "t", columns: ["a", "b", "c", "d", "e"], markers: ["?", "?", "?::jsonb", "?", "?"], rows: rows,
                suffix: "ON CONFLICT DO NOTHING"
            ).first)
        let unnest = try #require(statement.bulk?.unnest(statement.arguments))
        #expect(
            unnest.sql
                == "INSERT INTO t (a, b, c, d, e) SELECT u.a0, u.a1, u.a2::jsonb, NULL, u.a4 FROM "
                + "unnest(?::text[], ?::bigint[], ?::text[], ?::boolean[]) AS u(a0, a1, a2, a4) ON CONFLICT DO NOTHING")
        #expect(
            unnest.arguments == [
                .text(#"{"x\"y\\z 中",NULL}"#), .text("{1,-2}"), .text(#"{"{\"k\": 1}",NULL}"#), .text("{t,f}"),
            ])
        // A column of mixed kinds, or a suffix with parameters of its own, keeps the VALUES form.
        let mixed = SQLBuilder.insert(into: "t", columns: ["a"], rows: [[.int(1)], [.text("1")]])[0]
        #expect(mixed.bulk?.unnest(mixed.arguments) == nil)
        #expect(SQLBuilder.insert(into: "t", columns: ["a"], rows: [[.int(1)]], suffix: "WHERE ?")[0].bulk == nil)
    }

    /// The chunks one insert is split into run as one `unnest` on PostgreSQL; a second insert into
    /// the same table stays a statement of its own (it may upsert rows the first wrote).
    @Test func chunksOfOneInsertAreMergedButSeparateInsertsAreNot() throws {
        let rows = (0..<300).map { [SQLValue.int(Int64($0)), .text("r\($0)")] }
        let chunks = SQLBuilder.insert(into: "t", columns: ["a", "b"], rows: rows)
        #expect(chunks.map { $0.arguments.count / 2 } == [256, 32, 8, 4])
        let again = SQLBuilder.insert(into: "t", columns: ["a", "b"], rows: [[.int(1), .text("again")]])
        let plain = SQLStatement("DELETE FROM t WHERE a = ?", [.int(1)])
        let merged = BulkInsert.merged(chunks + again + [plain])
        #expect(merged.count == 3)
        #expect(
            merged.first?.sql
                == "INSERT INTO t (a, b) SELECT u.a0, u.a1 FROM unnest(?::bigint[], ?::text[]) AS u(a0, a1)")
        #expect(
            merged.first?.arguments == [
                .text("{" + (0..<300).map(String.init).joined(separator: ",") + "}"),
                .text("{" + (0..<300).map { "\"r\($0)\"" }.joined(separator: ",") + "}"),
            ])
        #expect(merged.dropFirst().map(\.sql) == [again[0].sql, plain.sql])
        // Rows that cannot be one unnest (a column of mixed kinds) stay as their chunks.
        let mixed = SQLBuilder.insert(
            into: "t", columns: ["a"], rows: (0..<3).map { [$0 == 2 ? .text("x") : .int(Int64($0))] })
        #expect(BulkInsert.merged(mixed) == mixed)
    }

    @Test func postgresParametersAreNumberedInOrder() {
        #expect(SQLStatement.numberedParameters("SELECT ? , ?, '中' || ?") == "SELECT $1 , $2, '中' || $3")
    }
}
