"""Sign-in sessions, CSRF and API tokens over real HTTP: the cookies' flags, a state-changing request from the page
without its CSRF token refused, sign-out ending the session on the server, tokens shown once, stored hashed and
revocable, passwords stored as argon2id hashes."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from tests.auth.conftest import PASSWORD, Team

pytestmark = pytest.mark.slow


def test_sign_in_sets_httponly_samesite_cookies(team: Team) -> None:
    r = httpx.post(team.url + "/api/auth/login", json={"name": "carla", "password": PASSWORD}, timeout=30)
    assert r.status_code == 200 and r.json()["name"] == "carla" and r.json()["role"] == "coder"
    cookies = {c.split("=", 1)[0]: c.lower() for c in r.headers.get_list("set-cookie")}
    session, csrf = cookies["advisor_session"], cookies["advisor_csrf"]
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "httponly" not in csrf and "samesite=strict" in csrf  # the page reads it to send it back
    assert "secure" not in session  # plain http on loopback; over https (or a trusted proxy's) it is Secure
    assert r.json()["csrf"] and r.json()["csrf"].lower() in csrf


@pytest.mark.parametrize("password", ["wrong-password-1", ""])
def test_a_wrong_password_or_name_is_a_401_that_does_not_say_which(team: Team, password: str) -> None:
    wrong = httpx.post(team.url + "/api/auth/login", json={"name": "carla", "password": password or "x"}, timeout=30)
    nobody = httpx.post(team.url + "/api/auth/login", json={"name": "nobody", "password": "whatever-1"}, timeout=30)
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["message"] == nobody.json()["message"]
    assert "set-cookie" not in wrong.headers


def test_state_changing_requests_from_the_page_need_the_csrf_token(team: Team) -> None:
    client, csrf = team.session("carla")
    try:
        assert client.get("/api/conversations").status_code == 200  # reads need no token
        for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
            for method, url, body in (("POST", "/api/conversations", {"title": "t"}),
                                      ("DELETE", "/api/history", None), ("POST", "/api/auth/logout", None)):
                r = client.request(method, url, json=body, headers=headers)
                assert r.status_code == 403, (method, url, r.text)
                assert r.json()["error"] == "Forbidden" and r.json()["where"] == "csrf"
        r = client.post("/api/conversations", json={"title": "t"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201
        # another session's token does not do either
        other, other_csrf = team.session("bob")
        other.close()
        assert client.post("/api/conversations", json={"title": "t"},
                           headers={"X-CSRF-Token": other_csrf}).status_code == 403
    finally:
        client.close()


def test_sign_out_ends_the_session_on_the_server(team: Team) -> None:
    client, csrf = team.session("carla")
    stolen = client.cookies.get("advisor_session")
    r = client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    client.close()
    assert r.status_code == 204
    assert any(c.startswith("advisor_session=") and "max-age=0" in c.lower() for c in r.headers.get_list("set-cookie"))
    # the old cookie, replayed, is no session any more
    replay = httpx.get(team.url + "/api/auth/me", cookies={"advisor_session": stolen}, timeout=30)
    assert replay.status_code == 401 and "expired or was signed out" in replay.json()["message"]


def test_tokens_are_shown_once_stored_hashed_and_revocable(team: Team) -> None:
    with team.client("carla") as carla, team.client("bob") as bob:
        made = carla.post("/api/tokens", json={"name": "billing script"})
        assert made.status_code == 201
        token, token_id = made.json()["token"], made.json()["id"]
        listed = carla.get("/api/tokens").json()
        assert token_id in {t["id"] for t in listed} and all("token" not in t for t in listed)

        headers = {"Authorization": f"Bearer {token}"}
        me = httpx.get(team.url + "/api/auth/me", headers=headers, timeout=30)
        assert me.status_code == 200 and me.json()["name"] == "carla" and me.json()["via"] == "token"
        assert httpx.post(team.url + "/api/conversations", json={"title": "by token"}, headers=headers,
                          timeout=30).status_code == 201  # a token needs no CSRF token: no cookie is involved

        assert bob.delete(f"/api/tokens/{token_id}").status_code == 404  # not bob's to revoke
        assert httpx.get(team.url + "/api/auth/me", headers=headers, timeout=30).status_code == 200

        revoked = carla.delete(f"/api/tokens/{token_id}")
        assert revoked.status_code == 200 and revoked.json()["revoked"]
        after = httpx.get(team.url + "/api/auth/me", headers=headers, timeout=30)
        assert after.status_code == 401 and "revoked" in after.json()["message"]
        openai = httpx.get(team.url + "/v1/models", headers=headers, timeout=30)
        assert openai.status_code == 401 and openai.json()["error"]["code"] == "unauthorized"

    database = team.server.data_dir / "advisor.sqlite3"
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
        hashes = [h for (h,) in db.execute("SELECT password_hash FROM users")]
    assert token not in dump and token[10:] not in dump  # only the hash (and the first 10 characters) are kept
    assert PASSWORD not in dump
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
