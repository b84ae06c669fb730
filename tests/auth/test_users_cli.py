"""`advisor users add|list|set-role|set-password|remove` on the server's database: what they print, their exit
codes (2 for bad input, naming what to fix), and that an account they make signs in over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.auth.conftest import AUTH_ENV
from tests.conftest import PROJECT_ROOT, LiveServer

pytestmark = pytest.mark.slow


def users(data_dir: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env["ADVISOR_DATA_DIR"] = str(data_dir)
    if password is not None:
        env["ADVISOR_NEW_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "advisor", "users", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_users_commands(tmp_path: Path, live_server_factory) -> None:
    data = tmp_path / "data"
    assert "no accounts yet" in users(data, "list").stdout
    added = users(data, "add", "mia@clinic.example", "--role", "lead", password="a-long-password")
    assert added.returncode == 0 and "added mia@clinic.example (lead, password)" in added.stdout
    assert users(data, "add", "sso-sam", "--sso").returncode == 0

    for args, password, says in [
        (("add", "mia@clinic.example"), "a-long-password", "already exists"),
        (("add", "kim", "--role", "boss"), "a-long-password", "role must be one of coder, lead, admin"),
        (("add", "kim"), "short", "at least 10 characters"),
        (("add", "has space"), "a-long-password", "a user name is"),
        (("set-role", "nobody", "admin"), None, "no user named 'nobody'"),
        (("remove", "nobody", "--yes"), None, "no user named 'nobody'"),
    ]:
        done = users(data, *args, password=password)
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)

    assert users(data, "set-role", "mia@clinic.example", "admin").stdout.strip() == "mia@clinic.example is now admin"
    listed = json.loads(users(data, "list", "--json").stdout)
    assert {(a["name"], a["role"], a["origin"], a["password"]) for a in listed} == {
        ("mia@clinic.example", "admin", "local", True), ("sso-sam", "coder", "oidc", False)}
    assert users(data, "set-password", "mia@clinic.example", password="another-long-one").returncode == 0

    server: LiveServer = live_server_factory(data, env=AUTH_ENV).start(ready_path="/healthz")
    old = httpx.post(server.url + "/api/auth/login", json={"name": "mia@clinic.example",
                                                           "password": "a-long-password"}, timeout=30)
    assert old.status_code == 401
    new = httpx.post(server.url + "/api/auth/login", json={"name": "mia@clinic.example",
                                                           "password": "another-long-one"}, timeout=30)
    assert new.status_code == 200 and new.json()["role"] == "admin"
    # an SSO account cannot sign in with a password (it has none)
    assert httpx.post(server.url + "/api/auth/login", json={"name": "sso-sam", "password": "x" * 12},
                      timeout=30).status_code == 401

    removed = users(data, "remove", "mia@clinic.example", "--yes")
    assert removed.returncode == 0 and "removed mia@clinic.example" in removed.stdout
    me = httpx.get(server.url + "/api/auth/me", cookies=new.cookies, timeout=30)
    assert me.status_code == 401  # the removed account's session is gone with it
