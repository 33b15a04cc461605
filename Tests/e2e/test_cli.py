"""The CLI's import and demo commands against a real database (SQLite and PostgreSQL), and how `serve`
refuses a setting it cannot read."""
import os
import re
import subprocess

import pytest

from test_sdks import BINARY, backends, fresh_database


def tessera(*args):
    completed = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed.stdout


@pytest.fixture(params=backends())
def database(request, tmp_path):
    url = fresh_database(request.param) or f"sqlite://{tmp_path}/cli.sqlite"
    tessera("init", "--database", url)
    return url


def test_demo_is_deterministic_and_loads_once(database):
    first = tessera("demo", "--members", "60", "--seed", "7", "--database", database)
    second = tessera("demo", "--members", "60", "--seed", "7", "--database", database)
    total = int(re.search(r"(\d+) messages", first).group(1))
    assert re.search(rf"{total} messages \({total} new, 0 already loaded\)", first)
    assert re.search(rf"{total} messages \(0 new, {total} already loaded\)", second)


def test_import_reports_rejected_rows_with_reasons_and_is_idempotent(database, tmp_path):
    members = tmp_path / "members.csv"
    members.write_text(
        "phone,email,name,gender,birthday,consent_sms,attr_skin\n"
        "138 0000 1111,ann@example.com,Ann,f,1990-03-04,yes,dry\n"
        "not-a-phone,bob@example.com,Bob,m,1985-01-01,no,oily\n"
        "13900002222,,Cai,female,1999-02-30,,\n")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,phone,status,total_minor,paid_minor,channel,occurred_at,sku,quantity,unit_price_minor\n"
        "A1,13800001111,paid,50000,45000,pos,2026-10-01T10:00:00+08:00,SK-1,1,38900\n"
        "A1,13800001111,paid,50000,45000,pos,2026-10-01T10:00:00+08:00,SK-2,1,11100\n"
        "A2,13800001111,paid,oops,,pos,2026-10-01T10:00:00+08:00,,,\n")
    tessera("attributes", "define", "skin", "string", "--database", database)
    first = tessera("import", "members", str(members), "--database", database)
    assert "1 accepted, 0 duplicates, 2 rejected" in first
    assert "$.identifiers[0]: 'not-a-phone' is not a phone number" in first and "(first at line 3)" in first
    assert "$.birthday: must be a date YYYY-MM-DD (first at line 4)" in first
    assert "0 accepted, 1 duplicates, 2 rejected" in tessera("import", "members", str(members), "--database", database)
    result = tessera("import", "orders", str(orders), "--database", database)
    assert "1 accepted, 0 duplicates, 1 rejected" in result
    assert "$.totalMinor: must be a number (first at line 4)" in result


def test_undeclared_or_mistyped_attributes_are_rejected(database, tmp_path):
    tessera("attributes", "define", "vip_level", "number", "--database", database)
    members = tmp_path / "members.csv"
    members.write_text(
        "phone,attr_vip_level,attr_unknown\n"
        "13800002222,3,\n"
        "13800003333,high,\n"
        "13800004444,1,x\n")
    result = tessera("import", "members", str(members), "--database", database)
    assert "1 accepted, 0 duplicates, 2 rejected" in result
    assert "$.attributes.vip_level: must be a number (first at line 3)" in result
    assert "$.attributes.unknown: is not a declared attribute" in result


@pytest.mark.parametrize("name, value, message", [
    ("TESSERA_INGEST_MAX_LAG", "10m", "TESSERA_INGEST_MAX_LAG must be a number, not '10m'"),
    ("LOG_LEVEL", "verbose",
     "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, not 'verbose'"),
])
def test_a_setting_that_does_not_parse_stops_the_server_with_its_name(tmp_path, name, value, message):
    # Running on the default instead would hide the typo until the setting mattered.
    completed = subprocess.run(
        [BINARY, "serve", "--port", "0", "--database", f"sqlite://{tmp_path}/bad.sqlite"],
        env={**os.environ, name: value}, capture_output=True, text=True, timeout=60)
    assert completed.returncode != 0
    assert message in completed.stderr + completed.stdout
