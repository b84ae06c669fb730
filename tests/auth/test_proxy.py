"""The trusted header of an authenticating proxy: honoured only from an address in ADVISOR_TRUSTED_PROXIES (then
the proxy's X-Forwarded-Proto also decides the cookies' Secure flag), ignored from anyone else. The server runs
without uvicorn's proxy-header rewriting, as `advisor serve` does when trusted proxies are set."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.conftest import PASSWORD, Team
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow


class NoProxyHeaders(LiveServer):
    def command(self) -> list[str]:
        return [*super().command(), "--no-proxy-headers"]


def test_the_header_from_a_trusted_proxy_signs_the_user_in(team_factory) -> None:
    team: Team = team_factory({"ada": "admin"}, env={"ADVISOR_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"},
                              server_class=NoProxyHeaders)
    me = httpx.get(team.url + "/api/auth/me", headers={"X-Forwarded-User": "dora@clinic.example"}, timeout=30)
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "dora@clinic.example" and me.json()["role"] == "coder"
    assert me.json()["via"] == "proxy"
    # the same account on the next request; an admin's role change applies
    with team.client("ada") as admin:
        assert admin.patch("/api/users/dora@clinic.example", json={"role": "lead"}).status_code == 200
    again = httpx.get(team.url + "/api/auth/me", headers={"X-Forwarded-User": "dora@clinic.example"}, timeout=30)
    assert again.json()["id"] == me.json()["id"] and again.json()["role"] == "lead"
    assert httpx.get(team.url + "/api/conversations", timeout=30).status_code == 401  # no header: no one
    # over https at the proxy, the session cookies are Secure
    login = httpx.post(team.url + "/api/auth/login", json={"name": "ada", "password": PASSWORD},
                       headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert all("secure" in c.lower() for c in login.headers.get_list("set-cookie"))


def test_the_header_from_anyone_else_is_ignored(team_factory) -> None:
    team: Team = team_factory({"ada": "admin"}, env={"ADVISOR_TRUSTED_PROXIES": "10.1.2.3"},
                              server_class=NoProxyHeaders)
    r = httpx.get(team.url + "/api/auth/me", headers={"X-Forwarded-User": "ada"}, timeout=30)
    assert r.status_code == 401
    login = httpx.post(team.url + "/api/auth/login", json={"name": "ada", "password": PASSWORD},
                       headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert login.status_code == 200
    assert all("secure" not in c.lower() for c in login.headers.get_list("set-cookie"))


def test_without_trusted_proxies_the_header_means_nothing(team: Team) -> None:
    r = httpx.get(team.url + "/api/auth/me", headers={"X-Forwarded-User": "ada"}, timeout=30)
    assert r.status_code == 401
