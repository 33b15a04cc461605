"""DuckDB baseline for `tessera bench segments` (issue 4).

Loads the CSV files the bench wrote (`--csv DIR`) into DuckDB and times hand-written SQL for the
same two segments over the same rows:

(a) browsing-lapsed-spenders: registered, total spend >= 100000, last purchase before the last 60
    local days, viewed a product in the last 30 local days, not tagged do-not-disturb;
(b) cross-sell-points-expiring: bought category c03 at least twice in the last 90 local days, not c07
    in them, points expiring within 30 x 24 h from now.

Windows are local days in the brand's time zone (Asia/Shanghai), as Tessera resolves them. Prints
the member counts (they must equal Tessera's) and the median of three runs of each query.

    python Benchmarks/segments_duckdb.py --csv /tmp/segdata --now 1795483800
"""

import argparse
import datetime
import statistics
import time
import zoneinfo

import duckdb

DAY = 86_400_000_000


def start_of_local_day(now_seconds: int, days_ago: int, zone: str) -> int:
    tz = zoneinfo.ZoneInfo(zone)
    local = datetime.datetime.fromtimestamp(now_seconds, tz).date() - datetime.timedelta(days=days_ago)
    midnight = datetime.datetime(local.year, local.month, local.day, tzinfo=tz)
    return int(midnight.timestamp()) * 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--now", type=int, required=True, help="Unix seconds, as given to the bench")
    parser.add_argument("--tz", default="Asia/Shanghai")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    args = parser.parse_args()

    db = duckdb.connect()
    if args.threads:
        db.execute(f"SET threads = {args.threads}")
    load = time.perf_counter()
    for table in ["members", "events", "orders", "order_items", "points_lots"]:
        db.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{args.csv}/{table}.csv', header = true)")
    db.execute("CREATE TABLE member_tags (member_id VARCHAR, tag VARCHAR)")
    print(f"duckdb {duckdb.__version__}: loaded in {time.perf_counter() - load:.1f} s, "
          f"threads {db.execute('SELECT current_setting(' + repr('threads') + ')').fetchone()[0]}")

    now = args.now * 1_000_000
    from30 = start_of_local_day(args.now, 29, args.tz)
    from60 = start_of_local_day(args.now, 59, args.tz)
    from90 = start_of_local_day(args.now, 89, args.tz)
    queries = {
        "(a) browsing-lapsed-spenders": f"""
            SELECT count(*) FROM members m
            WHERE m.registered AND m.total_spend_minor >= 100000 AND m.last_order_at < {from60}
              AND m.id IN (SELECT member_id FROM events
                           WHERE name = 'Product Viewed' AND occurred_at >= {from30})
              AND m.id NOT IN (SELECT member_id FROM member_tags WHERE tag = 'do-not-disturb')
        """,
        "(b) cross-sell-points-expiring": f"""
            WITH recent AS (
                SELECT o.id, o.member_id FROM orders o
                WHERE o.status IN ('paid', 'partially_refunded') AND coalesce(o.paid_at, o.placed_at) >= {from90}),
            bought AS (
                SELECT r.member_id FROM recent r
                WHERE r.id IN (SELECT order_id FROM order_items WHERE category = 'c03')
                GROUP BY r.member_id HAVING count(*) >= 2),
            other AS (
                SELECT r.member_id FROM recent r
                WHERE r.id IN (SELECT order_id FROM order_items WHERE category = 'c07')),
            expiring AS (
                SELECT member_id FROM points_lots
                WHERE remaining > 0 AND expires_at >= {now} AND expires_at < {now + 30 * DAY}
                GROUP BY member_id HAVING sum(remaining) > 0)
            SELECT count(*) FROM members m
            WHERE m.id IN (SELECT member_id FROM bought) AND m.id NOT IN (SELECT member_id FROM other)
              AND m.id IN (SELECT member_id FROM expiring)
        """,
    }
    for name, sql in queries.items():
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            count = db.execute(sql).fetchone()[0]
            timings.append((time.perf_counter() - start) * 1000)
        print(f"duckdb {name}: {count} members; query {statistics.median(timings):.0f} ms (median of 3)")


if __name__ == "__main__":
    main()
