"""Journeys survive a worker killed with SIGKILL mid-step, and workers sharing one database never
apply a step twice: every member is welcomed exactly once.

The server runs without workers (`serve --no-workers`); `tessera work` processes run the steps. A
first worker is killed as soon as it has delivered anything (it is then between claiming a batch
and writing it, or inside the write); the steps it held come back when their (shortened) lease
ends, and the next workers — two of them on PostgreSQL — finish the journey.
"""
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from test_sdks import BINARY, Server, backends, fresh_database

# Steps commit about a thousand at a time: with 3,000 members a loaded machine could see the first
# delivery only after the victim had finished them all (CI, session 34), leaving nothing to interrupt.
MEMBERS = 10_000
WELCOME = {
    "entry": {"event": {"name": "follow"}},
    "start": "hello",
    "nodes": {
        "hello": {"send": {"channel": "log", "template": "welcome", "next": "end"}},
        "end": {"exit": {}},
    },
}


class Worker:
    def __init__(self, database, tmp, name):
        self.log_path = os.path.join(tmp, f"{name}.log")
        self.log = open(self.log_path, "w+")
        environment = dict(os.environ, TESSERA_JOURNEY_LEASE_SECONDS="2", LOG_LEVEL="debug")
        self.process = subprocess.Popen(
            [BINARY, "work", "--database", database], stdout=self.log, stderr=subprocess.STDOUT, env=environment)

    def applied(self):
        self.log.flush()
        with open(self.log_path) as log:
            return sum(int(n) for n in re.findall(r"steps=(\d+) \[\w+\] journey steps applied", log.read()))


@pytest.mark.parametrize("backend", backends())
def test_a_killed_worker_loses_and_repeats_nothing(backend):
    server = Server(fresh_database(backend), extra_args=("--no-workers",))
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    try:
        template = requests.put(
            server.base + "/api/v1/message-templates/welcome", json={"body": "Welcome!"}, headers=headers, timeout=10)
        assert template.status_code == 200, template.text
        put = requests.put(server.base + "/api/v1/journeys/welcome", json=WELCOME, headers=headers, timeout=10)
        assert put.status_code == 201, put.text
        published = requests.post(server.base + "/api/v1/journeys/welcome/publish", headers=headers, timeout=10)
        assert published.status_code == 200, published.text
        for start in range(0, MEMBERS, 500):
            events = [
                {"idempotencyKey": f"f{n}", "identifiers": [f"external:u{n}"], "name": "follow"}
                for n in range(start, start + 500)
            ]
            response = requests.post(server.base + "/api/v1/events", json={"events": events}, headers=headers, timeout=60)
            assert response.status_code == 200, response.text

        def statistics():
            return requests.get(server.base + "/api/v1/journeys/welcome/statistics", headers=headers, timeout=10).json()

        victim = Worker(server.database, server.tmp, "victim")
        deadline = time.time() + 120
        while statistics()["messages"].get("hello", {}).get("delivered", 0) == 0:
            assert time.time() < deadline, "the first worker delivered nothing"
            assert victim.process.poll() is None, open(victim.log_path).read()
            time.sleep(0.005)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        delivered_before = statistics()["messages"].get("hello", {}).get("delivered", 0)
        assert delivered_before < MEMBERS, "killed too late to interrupt anything"

        survivors = [Worker(server.database, server.tmp, f"survivor{n}") for n in range(2 if backend == "postgres" else 1)]
        deadline = time.time() + 300
        while statistics()["runs"].get("exited", 0) < MEMBERS:
            assert time.time() < deadline, statistics()
            time.sleep(0.1)
        for worker in survivors:
            worker.process.send_signal(signal.SIGTERM)
            assert worker.process.wait(timeout=30) == 0
        final = statistics()
        # One visit per member: a step applied twice would have visited "hello" twice.
        assert final["visits"]["hello"] == {"": MEMBERS}
        assert final["messages"]["hello"] == {"delivered": MEMBERS}
        assert final["runs"] == {"exited": MEMBERS}
        # The survivors applied what the victim left; none applied a step another applied.
        assert sum(worker.applied() for worker in survivors) + delivered_before == MEMBERS
    finally:
        server.stop()
