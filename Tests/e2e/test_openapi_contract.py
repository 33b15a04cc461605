"""End to end: the OpenAPI document against the running server, on SQLite and PostgreSQL.

Schemathesis reads /api/v1/openapi.json and fuzzes every operation from it: requests the document
calls valid must not be refused as malformed (400), requests it calls invalid must be refused,
nothing may answer 5xx, every answer must have a documented status and content type, secured
operations must refuse a request without a key, and a method a path lacks must get 405 with the
methods it has. Tests/e2e/schemathesis.toml lists the few operations whose bodies follow rules
JSON Schema cannot state (segment rules, journey graphs), for which only the "valid is accepted"
check is off. Member routes run against a member created first, with points and stored value, so
they reach the ledgers. The seed is fixed, so a run is reproducible: `st run … --seed 20261125`.
"""
import os
import subprocess
import sys

import pytest
import requests

from test_sdks import Server, backends, fresh_database

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")


@pytest.fixture(params=backends())
def server(request):
    server = Server(fresh_database(request.param))
    yield server
    server.stop()


def fuzz_member(server):
    """A member with points and stored value, whose routes the fuzzer then calls (see schemathesis.toml)."""
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    answer = requests.post(server.base + "/api/v1/members", headers=headers, timeout=10,
                           json={"identifiers": ["external:fuzz-member", "phone:13800138000"], "name": "Fuzz"})
    assert answer.status_code == 200, answer.text
    member = answer.json()["member"]["id"]
    for path, body in [("points/earn", {"points": 100000}), ("stored-value/top-up", {"principalMinor": 100000})]:
        answer = requests.post(f"{server.base}/api/v1/members/{member}/{path}", json=body, timeout=10,
                               headers={**headers, "Idempotency-Key": "seed-" + path})
        assert answer.status_code == 200, answer.text
    return member


def test_the_server_keeps_to_its_openapi_document(server, tmp_path):
    environment = {**os.environ, "TESSERA_FUZZ_MEMBER": fuzz_member(server)}
    result = subprocess.run(
        [SCHEMATHESIS, "--config-file", os.path.join(HERE, "schemathesis.toml"), "run",
         server.base + "/api/v1/openapi.json", "--header", f"Authorization: Bearer {server.admin_key}",
         "--max-examples", "20", "--seed", "20261125", "--workers", "2", "--no-color"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    # The whole document was exercised, not skipped for an unreadable schema.
    assert "Unresolvable" not in result.stdout, result.stdout[-5000:]
    with open(server.log_path) as log:
        text = log.read()
    assert " error " not in text and "projection failed" not in text, text[-5000:]
