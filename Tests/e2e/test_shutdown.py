"""Graceful shutdown: SIGTERM while batches are in flight loses nothing that was acknowledged and
leaves no half-written batch."""
import os
import signal
import sqlite3
import threading
import time
import uuid

import requests

from test_sdks import Server


def test_sigterm_finishes_in_flight_batches_and_never_half_writes_one():
    server = Server(None)
    outcomes = []  # (batch message ids, status or None when the request failed)
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

    path = server.database[len("sqlite://"):]
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
