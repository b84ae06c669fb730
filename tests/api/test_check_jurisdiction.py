"""Claim type and MAC jurisdiction through the real front ends: POST /api/check on a served app whose ADVISOR_MAC is
set, and `advisor check --claim-type/--mac` from the shell (in process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory(env={"ADVISOR_MAC": "OH"}).start(ready_path="/healthz")


def test_the_default_mac_is_stated_and_a_request_overrides_it(server) -> None:  # noqa: ANN001
    body = {"lines": ["64483"], "facts": {"sedation": True, "date_of_service": "2026-02-02"}}
    default = httpx.post(f"{server.url}/api/check", json=body).json()
    assert default["applied"]["jurisdiction"] == "J15" and default["applied"]["mac_from"] == "setting"
    assert "from ADVISOR_MAC" in default["applied"]["statement"]
    assert any("CGS's jurisdiction (J15)" in f["message"] for f in default["findings"])
    body["facts"]["mac"] = "WI"
    other = httpx.post(f"{server.url}/api/check", json=body).json()
    assert other["applied"]["jurisdiction"] == "J6" and other["applied"]["mac_from"] == "request"
    assert not any("CGS" in f["message"] for f in other["findings"])


def test_claim_type_over_http(server) -> None:  # noqa: ANN001
    res = httpx.post(f"{server.url}/api/check", json={"lines": ["27096"], "facts": {"claim_type": "asc"}})
    assert res.status_code == 200 and [ln["code"] for ln in res.json()["claim"]] == ["G0260"]
    assert res.json()["applied"]["claim_type"] == "asc"


@pytest.mark.parametrize(("facts", "fragment"), [
    ({"mac": "Palmetto"}, "JJ, JM"), ({"mac": "Mars"}, "unknown MAC"), ({"claim_type": "pos24"}, "claim_type"),
    ({"claim_type": "professional", "setting": "asc"}, "disagree")])
def test_bad_claim_type_or_mac_is_422(server, facts: dict, fragment: str) -> None:  # noqa: ANN001
    res = httpx.post(f"{server.url}/api/check", json={"lines": ["64493"], "facts": facts})
    assert res.status_code == 422, res.text
    assert fragment in res.json()["message"]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "advisor", "check", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "ADVISOR_SERVER_URL": "off", **env})


def test_cli_claim_type_and_mac() -> None:
    done = cli("27096", "--claim-type", "asc", "--mac", "J15", "--json")
    assert done.returncode == 1, done.stderr  # the ASC claim's 27096 is an error (corrected to G0260): exit 1
    body = json.loads(done.stdout)
    assert [ln["code"] for ln in body["claim"]] == ["G0260"] and body["applied"]["jurisdiction"] == "J15"
    text = cli("64493", "--mac", "KY")
    assert "applied: Medicare, the physician's professional claim; LCDs of CGS's jurisdiction (J15)" in text.stdout


@pytest.mark.parametrize(("args", "env", "fragment"), [
    (["64493", "--mac", "Noridian"], {}, "JE, JF"), (["64493", "--claim-type", "24"], {}, "claim_type"),
    (["64493"], {"ADVISOR_MAC": "Atlantis"}, "ADVISOR_MAC")])
def test_cli_bad_claim_type_or_mac_exits_2(args: list[str], env: dict[str, str], fragment: str) -> None:
    done = cli(*args, **env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert fragment in done.stderr and "Traceback" not in done.stderr
