"""The shipped journeys install and run on the demo data: `tessera demo` loads the demo brand while the
server runs, an operator installs and publishes all six blueprints over the API, dry runs count their
audiences, and the welcome series and the festival pre-heat deliver to a member who follows now. (Each
journey's whole course under a controlled clock is `ShippedJourneyTests`, on both databases.)
"""
import datetime
import subprocess
import time

import pytest
import requests

from test_sdks import BINARY, Server, backends, fresh_database


@pytest.mark.parametrize("backend", backends())
def test_shipped_journeys_install_and_run_on_the_demo_brand(backend):
    server = Server(fresh_database(backend))
    try:
        demo = subprocess.run([BINARY, "demo", "--members", "300", "--seed", "11", "--database", server.database],
                              capture_output=True, text=True, timeout=300)
        assert demo.returncode == 0, demo.stderr + demo.stdout
        made = subprocess.run([BINARY, "keys", "create", "--brand", "demo", "--scopes", "ingest,read,write,admin",
                               "--database", server.database], capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}

        blueprints = requests.get(server.base + "/api/v1/journey-blueprints", headers=headers, timeout=10).json()
        ids = [blueprint["id"] for blueprint in blueprints["blueprints"]]
        assert ids == ["welcome-series", "abandoned-cart", "replenishment", "festival-preheat", "birthday-care",
                       "dormant-winback"]
        missing = requests.post(server.base + "/api/v1/journey-blueprints/festival-preheat/install",
                                json={"publish": True}, headers=headers, timeout=10)
        assert missing.status_code == 400 and missing.json()["errors"][0]["path"] == "$.parameters.preheatAt"

        preheat = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=4)
        names = {}
        for blueprint in ids:
            parameters = {"preheatAt": preheat.isoformat(timespec="seconds")} if blueprint == "festival-preheat" else {}
            installed = requests.post(server.base + f"/api/v1/journey-blueprints/{blueprint}/install",
                                      json={"parameters": parameters, "publish": True}, headers=headers, timeout=30)
            assert installed.status_code == 201, installed.text
            assert installed.json()["journey"]["status"] == "published"
            names[blueprint] = installed.json()["journey"]["name"]

        estimates = {}
        for blueprint, name in names.items():
            estimate = requests.post(server.base + f"/api/v1/journeys/{name}/estimate", headers=headers, timeout=30)
            assert estimate.status_code == 200, estimate.text
            estimates[blueprint] = estimate.json()
        # Demo buyers who last bought long ago are the win-back's first wave.
        assert estimates["dormant-winback"]["nodes"]["wave1"] > 0, estimates["dormant-winback"]

        follow = {"events": [{"idempotencyKey": "e2e-follow", "identifiers": ["openid:wxdemo:e2e-fan"],
                              "name": "follow"}]}
        response = requests.post(server.base + "/api/v1/events", json=follow, headers=headers, timeout=10)
        assert response.status_code == 200, response.text

        def delivered(name, node):
            statistics = requests.get(server.base + f"/api/v1/journeys/{name}/statistics", headers=headers,
                                      timeout=10).json()
            return statistics["messages"].get(node, {}).get("delivered", 0)

        deadline = time.time() + 60
        while delivered(names["welcome-series"], "bind_prompt") < 1 or delivered(names["festival-preheat"], "preheat") < 1:
            assert time.time() < deadline, (
                delivered(names["welcome-series"], "bind_prompt"), delivered(names["festival-preheat"], "preheat"))
            time.sleep(0.25)
    finally:
        server.stop()
