"""Graceful shutdown: SIGTERM while batches are in flight loses nothing that was acknowledged and
leaves no half-written batch — whether the projector drains the whole backlog before it exits, or
stops at its drain limit and leaves the rest queued for the next start."""
import signal
import sqlite3
import threading
import time
import uuid

import requests

from test_sdks import Server


def send_until_sigterm(server):
    """Six clients post batches of 200 until the server is sent SIGTERM after 1.5 s; answers
    [(message ids, HTTP status or None when the request failed)] once it has exited."""
    outcomes = []
    stop = threading.Event()

    def sender():
        while not stop.is_set():
            ids = [f"sd-{uuid.uuid4()}" for _ in range(200)]
            body = {"batch": [{"type": "track", "messageId": m, "userId": f"u-{m[-4:]}", "event": "Shutdown Probe"} for m in ids]}
            try:
                response = requests.post(server.base + "/v1/batch", json=body, auth=(server.write_key, ""), timeout=30)
                outcomes.append((ids, response.status_code))
            except requests.RequestException:
                outcomes.append((ids, None))

    threads = [threading.Thread(target=sender) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    stop.set()
    for thread in threads:
        thread.join()
    return outcomes


def assert_acknowledged_batches_stored_whole(database, outcomes):
    path = database[len("sqlite://"):]
    with sqlite3.connect(path) as db:
        acknowledged = 0
        for ids, status in outcomes:
            stored = db.execute(
                f"SELECT count(*) FROM events WHERE idempotency_key IN ({','.join('?' * len(ids))})", ids).fetchone()[0]
            assert stored in (0, len(ids)), "a batch was half written"
            if status == 200:
                assert stored == len(ids), "an acknowledged batch was lost"
                acknowledged += 1
    assert acknowledged > 0


def test_sigterm_finishes_in_flight_batches_and_never_half_writes_one():
    # A drain long enough for any backlog of this test: everything is projected before the exit.
    server = Server(None, env={"TESSERA_SHUTDOWN_DRAIN": "300"})
    outcomes = send_until_sigterm(server)
    assert_acknowledged_batches_stored_whole(server.database, outcomes)


def test_a_drain_limit_leaves_the_backlog_queued_for_the_next_start():
    server = Server(None, env={"TESSERA_SHUTDOWN_DRAIN": "0"})
    outcomes = send_until_sigterm(server)
    with open(server.log_path) as log:
        stopped_early = "stopped before the log was empty" in log.read()
    restarted = Server(server.database, keys=(server.admin_key, server.write_key))
    try:
        restarted.caught_up(timeout=120)
    finally:
        restarted.stop()
    assert_acknowledged_batches_stored_whole(server.database, outcomes)
    assert stopped_early, "the backlog was empty at shutdown: nothing was left to the next start"
