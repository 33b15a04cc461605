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

    @Test func postgresParametersAreNumberedInOrder() {
        #expect(SQLStatement.numberedParameters("SELECT ? , ?, '中' || ?") == "SELECT $1 , $2, '中' || $3")
    }
}
