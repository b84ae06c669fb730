"""The CLI on a server that requires sign-in: without a token it says which setting to set (exit 2); with
ADVISOR_API_TOKEN it works, and its answers go to the token owner's history."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.auth.conftest import Team
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def cli(team: Team, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_SERVER_URL": team.url, "NO_PROXY": "127.0.0.1"})
    if token:
        env["ADVISOR_API_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "advisor", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_cli_sends_its_api_token(team: Team) -> None:
    refused = cli(team, "check", "64493-RT")
    assert refused.returncode == 2 and "ADVISOR_API_TOKEN" in refused.stderr, refused.stderr
    done = cli(team, "check", "64493-RT", "--json", token=team.tokens["carla"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["claim"]
    asked = cli(team, "ask", "Right L4-5 facet injection under fluoro, code?", "--json", token=team.tokens["bob"])
    assert asked.returncode == 0, asked.stderr
    cid = json.loads(asked.stdout)["conversation_id"]
    with team.client("bob") as bob, team.client("carla") as carla:
        assert bob.get(f"/api/conversations/{cid}").status_code == 200
        assert carla.get(f"/api/conversations/{cid}").status_code == 404
