#!/usr/bin/env bash
# Runs every test: installs what the tests need, starts a throw-away PostgreSQL on a loopback
# port in a temporary directory, runs `swift test` against SQLite and PostgreSQL, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || PGBIN=$(dirname "$(command -v pg_ctl)")

work=$(mktemp -d /tmp/tessera-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$PGBIN/initdb" -D "$work/data" -U tessera --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U tessera tessera_test

"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U tessera tessera_e2e

# Python clients for the end-to-end tests (the real Segment and RudderStack SDKs, and Schemathesis,
# which fuzzes the server from its OpenAPI document).
venv="${TESSERA_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check segment-analytics-python==2.4.0 rudder-sdk-python==2.1.9 lifetimes==0.11.3 aiosmtpd==1.4.6 schemathesis==4.32.5 pytest requests

export TESSERA_TEST_POSTGRES_URL="postgres://tessera@127.0.0.1:$port/tessera_test"
export TESSERA_PGBIN="$PGBIN"
export TESSERA_E2E_POSTGRES_URL="postgres://tessera@127.0.0.1:$port/tessera_e2e"
# The tests' SQLite files and the end-to-end tests' directories go where the cleanup removes them.
mkdir -p "$work/tmp"
export TMPDIR="$work/tmp"
swift format lint --strict --recursive Sources Package.swift
swift build --explicit-target-dependency-import-check error
swift test "$@"
"$venv/bin/python" -m pytest -q Tests/e2e
