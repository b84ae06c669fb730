"""Single sign-on round trip against a real (small, local) OpenID Connect provider the test starts on loopback:
the advisor redirects to the provider, the provider redirects back with a code, the advisor trades it (with PKCE and
its client secret), verifies the id_token (signature against the JWKS, issuer, audience, expiry, nonce), opens a
session and sends the browser to the page. Tampered tokens and replayed callbacks are refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.auth.conftest import Team
from tests.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def sso(team_factory, provider: Provider) -> Team:
    provider.tamper = None
    provider.user = {"sub": "user-1", "email": "dana@clinic.example"}
    return team_factory({"ada": "admin", "local-lee@clinic.example": "coder"}, env={
        "ADVISOR_OIDC_ISSUER": provider.issuer, "ADVISOR_OIDC_CLIENT_ID": CLIENT_ID,
        "ADVISOR_OIDC_CLIENT_SECRET": CLIENT_SECRET, "ADVISOR_OIDC_LABEL": "Clinic SSO"})


def sign_in(sso: Team) -> tuple[httpx.Client, httpx.Response]:
    """Follow the whole redirect chain as a browser would; returns the client (its cookies) and the last response."""
    browser = httpx.Client(base_url=sso.url, timeout=30, follow_redirects=True)
    return browser, browser.get("/api/auth/oidc/start")


def test_the_round_trip_signs_the_user_in(sso: Team, provider: Provider) -> None:
    assert httpx.get(sso.url + "/api/auth/config").json()["oidc"] == "Clinic SSO"
    browser, last = sign_in(sso)
    hops = [urlsplit(str(r.url)) for r in last.history]
    assert [h.path for h in hops] == ["/api/auth/oidc/start", "/authorize", "/api/auth/oidc/callback"]
    assert hops[1].port == provider.port
    assert last.status_code == 200 and urlsplit(str(last.url)).path == "/"
    me = browser.get("/api/auth/me").json()
    assert me["name"] == "dana@clinic.example" and me["role"] == "coder" and me["via"] == "session"
    # a signed-in session like any other: the page's CSRF token works, a missing one does not
    assert browser.post("/api/conversations", json={"title": "t"}).status_code == 403
    assert browser.post("/api/conversations", json={"title": "t"},
                        headers={"X-CSRF-Token": me["csrf"]}).status_code == 201
    browser.close()
    # signing in again is the same account
    again, _ = sign_in(sso)
    assert again.get("/api/auth/me").json()["id"] == me["id"]
    again.close()


def test_an_account_made_beforehand_gets_its_role(sso: Team, provider: Provider) -> None:
    with sso.client("ada") as admin:
        made = admin.post("/api/users", json={"name": "erin@clinic.example", "role": "lead", "sso": True})
        assert made.status_code == 201, made.text
    provider.user = {"sub": "user-2", "email": "erin@clinic.example"}
    browser, _ = sign_in(sso)
    me = browser.get("/api/auth/me").json()
    browser.close()
    assert me["name"] == "erin@clinic.example" and me["role"] == "lead"


def test_a_local_account_is_not_taken_over(sso: Team, provider: Provider) -> None:
    provider.user = {"sub": "user-3", "email": "local-lee@clinic.example"}
    browser, last = sign_in(sso)
    assert last.status_code == 409 and last.json()["error"] == "Conflict"
    assert browser.get("/api/auth/me").status_code == 401
    browser.close()


@pytest.mark.parametrize("tamper", ["nonce", "audience", "signature"])
def test_a_bad_id_token_is_refused(sso: Team, provider: Provider, tamper: str) -> None:
    provider.tamper = tamper
    browser, last = sign_in(sso)
    assert last.status_code == 401, last.text
    assert last.json()["error"] == "Unauthorized" and last.json()["where"] == "id_token"
    assert browser.get("/api/auth/me").status_code == 401
    browser.close()


def test_a_callback_cannot_be_replayed_or_forged(sso: Team) -> None:
    browser = httpx.Client(base_url=sso.url, timeout=30)
    with browser:
        to_provider = browser.get("/api/auth/oidc/start")
        back = httpx.get(to_provider.headers["location"], timeout=30)
        callback = back.headers["location"]
        first = browser.get(callback)
        assert first.status_code == 303 and first.headers["location"] == "/"
        replay = httpx.get(callback, timeout=30)
        assert replay.status_code == 401 and replay.json()["where"] == "state"
        forged = httpx.get(sso.url + "/api/auth/oidc/callback?code=abc&state=made-up", timeout=30)
        assert forged.status_code == 401
        denied = httpx.get(sso.url + "/api/auth/oidc/callback?error=access_denied&state=s", timeout=30)
        assert denied.status_code == 401 and "access_denied" in denied.json()["message"]
