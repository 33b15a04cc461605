"""RFM exactness: the real CDNOW transactions that the `lifetimes` package bundles, imported as
orders through `tessera import`, scored by `tessera rfm`, compared customer by customer with
`lifetimes.utils.summary_data_from_transaction_data` (daily periods)."""
import csv
import os
import time
from decimal import Decimal

import lifetimes
import lifetimes.datasets
import pandas as pd

from test_cli import database, tessera  # noqa: F401  (the database fixture: SQLite and PostgreSQL)

CDNOW = os.path.join(os.path.dirname(lifetimes.datasets.__file__), "CDNOW_master.txt")
END = "1998-06-30"


def reference():
    started = time.perf_counter()
    frame = pd.read_csv(CDNOW, sep=r"\s+", header=0, names=["id", "date", "cds", "spent"], dtype={"id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    summary = lifetimes.utils.summary_data_from_transaction_data(
        frame, "id", "date", monetary_value_col="spent", observation_period_end=END)
    return summary, time.perf_counter() - started


def test_rfm_matches_lifetimes_on_cdnow_for_every_customer(database, tmp_path):  # noqa: F811
    orders = tmp_path / "cdnow-orders.csv"
    with open(CDNOW) as source, open(orders, "w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["order_id", "external", "status", "total_minor", "paid_minor", "channel", "occurred_at"])
        for line, row in enumerate(source.read().split("\n")[1:]):
            if not row.strip():
                continue
            customer, date, _, spent = row.split()
            cents = int(Decimal(spent) * 100)
            # Noon in the brand's time zone (Asia/Shanghai by default): the purchase's local day is `date`.
            occurred = f"{date[:4]}-{date[4:6]}-{date[6:]}T12:00:00+08:00"
            writer.writerow([f"T{line}", customer, "paid", cents, cents, "pos", occurred])
    imported = tessera("import", "orders", str(orders), "--batch", "2000", "--database", database)
    assert "69659 accepted, 0 duplicates, 0 rejected" in imported, imported

    scores = tmp_path / "rfm.csv"
    started = time.perf_counter()
    output = tessera("rfm", "--end", END, "--export", str(scores), "--database", database)
    ours_seconds = time.perf_counter() - started
    expected, lifetimes_seconds = reference()
    print(f"\nRFM over CDNOW: tessera rfm {ours_seconds:.2f} s as a process ({output.strip()}); "
          f"lifetimes {lifetimes_seconds:.2f} s (parse and summary)")

    with open(scores) as handle:
        rows = {row["external"]: row for row in csv.DictReader(handle)}
    assert len(rows) == len(expected) == 23570
    mismatches = []
    for customer, reference_row in expected.iterrows():
        row = rows.get(customer)
        if row is None:
            mismatches.append((customer, "missing"))
            continue
        ours = (int(row["frequency"]), int(row["recency"]), int(row["T"]))
        theirs = (int(reference_row["frequency"]), int(reference_row["recency"]), int(reference_row["T"]))
        monetary = float(row["monetary_value"]) / 100
        if ours != theirs or abs(monetary - reference_row["monetary_value"]) > 1e-9 * max(1.0, monetary):
            mismatches.append((customer, ours, monetary, theirs, reference_row["monetary_value"]))
    assert not mismatches, mismatches[:10]
    groups = {row["group"] for row in rows.values()}
    assert {"champions", "hibernating", "at_risk"} <= groups
