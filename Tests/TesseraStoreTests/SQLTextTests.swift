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

    @Test func postgresParametersAreNumberedInOrder() {
        #expect(SQLStatement.numberedParameters("SELECT ? , ?, '中' || ?") == "SELECT $1 , $2, '中' || $3")
    }
}
