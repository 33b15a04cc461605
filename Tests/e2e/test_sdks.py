"""End to end: the real Segment and RudderStack Python SDKs against a running `tessera serve`.

Run by scripts/test.sh after `swift build`, once on SQLite and once on PostgreSQL. Each test
starts the server binary on a free loopback port with an empty database, reads the keys it prints
on first start, and checks the results through the native read API.
"""
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

BINARY = os.environ.get("TESSERA_BINARY", ".build/debug/tessera")

# What the tests made outside their own process, removed once the session ends (conftest.py): a
# developer's PostgreSQL cluster outlives the run, unlike CI's.
_created_databases = []
_created_directories = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backends():
    names = ["sqlite"]
    if os.environ.get("TESSERA_E2E_POSTGRES_URL"):
        names.append("postgres")
    elif os.environ.get("CI"):
        raise RuntimeError("TESSERA_E2E_POSTGRES_URL must be set in CI: run scripts/test.sh")
    return names


def fresh_database(backend):
    """A new, empty database per test, so every server starts uninitialised and prints its keys."""
    if backend == "sqlite":
        return None
    base = os.environ["TESSERA_E2E_POSTGRES_URL"]
    match = re.match(r"postgres://(\w+)@([\d.]+):(\d+)/", base)
    user, host, port = match.groups()
    name = "e2e_" + uuid.uuid4().hex[:12]
    subprocess.run([_pg_tool("createdb"), "-h", host, "-p", port, "-U", user, name], check=True)
    _created_databases.append((host, port, user, name))
    return f"postgres://{user}@{host}:{port}/{name}"


def _pg_tool(name):
    return os.path.join(os.environ.get("TESSERA_PGBIN", "/usr/bin"), name)


def remove_what_tests_created():
    """Drops every database `fresh_database` created (ending whatever still holds them open: a
    server a failed test left running) and deletes the servers' directories."""
    while _created_databases:
        host, port, user, name = _created_databases.pop()
        subprocess.run([_pg_tool("dropdb"), "--if-exists", "--force", "-h", host, "-p", port, "-U", user, name],
                       check=True)
    while _created_directories:
        shutil.rmtree(_created_directories.pop(), ignore_errors=True)


class Server:
    def __init__(self, database, extra_args=(), env=None, keys=None, port=None):
        """`keys` (admin, write) for a database initialised before: its server prints none."""
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.mkdtemp(prefix="tessera-e2e-")
        _created_directories.append(self.tmp)
        self.database = database or f"sqlite://{self.tmp}/e2e.sqlite"
        # The server appends (O_APPEND) and this process reads through a handle of its own: seeking
        # a handle shared with the child moved the child's write offset too, so a line written just
        # after a seek overwrote the start of the log (the admin key) and startup was missed.
        self.log_path = os.path.join(self.tmp, "server.log")
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--port", str(self.port), "--database", self.database, *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.admin_key, self.write_key = keys or (None, None)
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(self.log_path) as log:
                text = log.read()
            admin = re.search(r"admin API key:\s+(\S+)", text)
            write = re.search(r"Segment write key:\s+(\S+)", text)
            if keys and "listening" in text:
                return
            if admin and write and "listening" in text:
                self.admin_key, self.write_key = admin.group(1), write.group(1)
                return
            if self.process.poll() is not None:
                raise RuntimeError("server exited:\n" + text)
            time.sleep(0.1)
        raise RuntimeError("server did not start:\n" + text)

    def get(self, path):
        return requests.get(self.base + path, headers={"Authorization": f"Bearer {self.admin_key}"}, timeout=10)

    def caught_up(self, timeout=30):
        """Waits until the projector has written everything the Segment endpoints queued."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.get("/api/v1/ingest/status").json()
            assert status["failedEntries"] == 0, status
            if status["pendingEntries"] == 0:
                return
            time.sleep(0.02)
        raise AssertionError(f"ingest log not drained: {status}")

    def member(self, identifier):
        self.caught_up()
        response = self.get(f"/api/v1/members?identifier={requests.utils.quote(identifier)}")
        return response.json() if response.status_code == 200 else None

    def timeline(self, member_id):
        self.caught_up()
        return self.get(f"/api/v1/members/{member_id}/timeline?limit=200").json()["entries"]

    def batch_responses(self, status):
        metrics = requests.get(self.base + "/metrics", timeout=10).text
        pattern = rf'hb_requests{{[^}}]*http_route="/v1/batch"[^}}]*http_response_status_code="{status}"[^}}]*}} (\d+)'
        return sum(int(m) for m in re.findall(pattern, metrics))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(params=backends())
def server(request):
    server = Server(fresh_database(request.param))
    yield server
    server.stop()


def test_segment_sdk_delivers_identify_track_page_alias(server):
    from segment.analytics.client import Client

    errors = []
    client = Client(write_key=server.write_key, host=server.base, sync_mode=True, on_error=lambda e, b: errors.append(e))
    user, anonymous = f"seg-{uuid.uuid4()}", f"anon-{uuid.uuid4()}"
    client.track(anonymous_id=anonymous, event="Product Viewed", properties={"sku": "A1"})
    client.identify(user, {"phone": "138 0013 8000", "email": "Ann@Example.com", "name": "Ann", "gender": "female"},
                    anonymous_id=anonymous)
    client.track(user, "Order Completed", {"order_id": "o-1", "total": 199.5, "currency": "CNY",
                                           "products": [{"product_id": "p1", "price": 199.5, "quantity": 1}]})
    client.page(user, category="Docs", name="Pricing")
    client.alias(f"old-{anonymous}", user)
    client.flush()
    assert errors == []

    member = server.member("phone:+8613800138000")
    assert member is not None
    assert member["kind"] == "member"
    assert f"external:{user}" in member["identifiers"]
    assert f"anonymous:{anonymous}" in member["identifiers"]
    assert f"anonymous:old-{anonymous}" in member["identifiers"]
    assert member["aggregates"]["orderCount"] == 1
    assert member["aggregates"]["totalSpendMinor"] == 19950
    kinds = sorted(entry["type"] for entry in server.timeline(member["id"]) if entry["source"] == "event")
    assert kinds == ["alias", "identify", "page", "track", "track"]


def test_rudder_sdk_delivers_gzipped_batches_with_context_traits(server):
    from rudderstack.analytics.client import Client

    errors = []
    client = Client(write_key=server.write_key, host=server.base, on_error=lambda e, b: errors.append(e))
    users = [f"rud-{uuid.uuid4()}" for _ in range(30)]
    for index, user in enumerate(users):
        client.identify(user, {"email": f"user{index}-{user}@example.com"})
        client.track(user, "Added To Cart", {"sku": f"S{index}"})
    client.flush()
    assert errors == []
    for index, user in enumerate(users):
        member = server.member(f"email:user{index}-{user}@example.com")
        assert member is not None, user
        assert member["aggregates"]["eventCount"] == 2
        assert f"external:{user}" in member["identifiers"]


def test_replayed_batch_is_deduplicated(server):
    message_id = str(uuid.uuid4())
    body = {"batch": [{"type": "track", "messageId": message_id, "userId": "replay-user", "event": "Coupon Applied",
                       "timestamp": "2026-11-23T08:00:00.000000+00:00"}], "sentAt": "2026-11-23T08:00:01+00:00"}
    auth = (server.write_key, "")
    first = requests.post(server.base + "/v1/batch", json=body, auth=auth, timeout=10)
    second = requests.post(server.base + "/v1/batch", data=gzip.compress(json.dumps(body).encode()), auth=auth,
                           headers={"Content-Type": "application/json", "Content-Encoding": "gzip", "X-Retry-Count": "1"},
                           timeout=10)
    # Both are queued (the answer comes before projection); the projector drops the replay.
    assert first.status_code == 200 and first.json()["queued"] == 1
    assert second.status_code == 200 and second.json()["queued"] == 1
    assert server.member("external:replay-user")["aggregates"]["eventCount"] == 1


def test_metrics_count_projected_messages_and_the_sqlite_writers_time(server):
    body = {"batch": [{"type": "track", "messageId": str(uuid.uuid4()), "userId": f"metrics-{n}", "event": "Viewed"}
                      for n in range(5)]}
    assert requests.post(server.base + "/v1/batch", json=body, auth=(server.write_key, ""), timeout=10).status_code == 200
    server.caught_up()
    metrics = requests.get(server.base + "/metrics", timeout=10).text

    def value(pattern):
        return sum(float(m) for m in re.findall(pattern + r" ([0-9.e+-]+)\n", metrics))

    assert value(r"tessera_ingest_projected_messages_total(?:{[^}]*})?") >= 5
    if server.database.startswith("sqlite://"):
        # Both files' writers: the member store and the ingest log beside it.
        for file in ("e2e.sqlite", "e2e-ingest.sqlite"):
            assert value(rf'tessera_sqlite_writer_transactions_total{{file="{file}"}}') > 0, file
            assert value(rf'tessera_sqlite_writer_busy_seconds_total{{file="{file}"}}') > 0, file


def test_malformed_messages_get_a_final_400_that_the_sdk_does_not_retry(server):
    from segment.analytics.client import Client

    errors = []
    client = Client(write_key=server.write_key, host=server.base, max_retries=3, on_error=lambda e, b: errors.append(e))
    client.identify("bad-phone-user", {"phone": "not a phone"})
    client.flush()
    assert len(errors) == 1
    assert errors[0].status == 400
    assert "$.batch[0].traits.phone" in errors[0].message
    assert server.batch_responses(400) == 1  # one request: 400 is final, not retried
    assert server.member("external:bad-phone-user") is None


def test_unknown_write_key_is_rejected(server):
    response = requests.post(server.base + "/v1/batch", json={"batch": []}, auth=("twk_00000000_nope", ""), timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("backend", backends())
def test_a_backlog_older_than_the_limit_is_refused_with_429_which_the_sdk_retries_until_projected(backend):
    from segment.analytics.client import Client

    database = fresh_database(backend)
    limit = {"TESSERA_INGEST_MAX_LAG": "1"}
    # No projector: what this server accepts waits in the ingest log.
    stalled = Server(database, extra_args=["--no-workers"], env=limit)
    auth = (stalled.write_key, "")
    waiting = {"batch": [{"type": "track", "messageId": str(uuid.uuid4()), "userId": "early", "event": "Viewed"}]}
    assert requests.post(stalled.base + "/v1/batch", json=waiting, auth=auth, timeout=10).status_code == 200
    time.sleep(1.3)
    refused = requests.post(stalled.base + "/v1/batch", json=waiting, auth=auth, timeout=10)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["code"] == "ingest_backlog"

    errors = []
    client = Client(write_key=stalled.write_key, host=stalled.base, on_error=lambda e, b: errors.append(e))
    client.track("late", "Viewed", {"sku": "L1"})
    deadline = time.time() + 20
    while stalled.batch_responses(429) < 2:  # the SDK's own request was refused too
        assert time.time() < deadline, "the SDK's request was not refused"
        time.sleep(0.1)
    keys, port = (stalled.admin_key, stalled.write_key), stalled.port
    stalled.stop()

    # The same database and address, now with the projector: the backlog is projected and the
    # SDK's retry, after the Retry-After it was given, is accepted.
    working = Server(stalled.database, env=limit, keys=keys, port=port)
    try:
        client.flush()
        assert errors == []
        assert working.member("external:early")["aggregates"]["eventCount"] == 1
        late = working.member("external:late")
        assert late is not None and late["aggregates"]["eventCount"] == 1
    finally:
        client.shutdown()
        working.stop()
