"""Sign-in in a real browser (Debian's Chromium via Playwright) against the real app on uvicorn with ADVISOR_AUTH on:
the workbench sends a visitor without a session to the sign-in page; signing in, asking, signing out; a second user
does not see the first one's history; "Delete all my history". And single-user mode says so on the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.auth.conftest import AUTH_ENV, PASSWORD, Team, make_accounts
from tests.web.conftest import DESKTOP, PageProbe

pytestmark = pytest.mark.browser

QUESTION = "Right L4-5 facet injection under fluoro, code?"


@pytest.fixture(scope="module")
def team(session_server_factory, tmp_path_factory: pytest.TempPathFactory) -> Team:
    data_dir = tmp_path_factory.mktemp("web-auth") / "data"
    team = make_accounts(data_dir, {"alice": "coder", "bob": "lead"})
    team.server = session_server_factory(data_dir, env=AUTH_ENV).start(ready_path="/healthz")
    return team


@pytest.fixture
def signed_out(browser, team: Team) -> Iterator[Page]:
    """A fresh browser context (no cookies); fails the test on a page error or a CSP violation."""
    context = browser.new_context(viewport=DESKTOP, base_url=team.url, service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    probe = PageProbe()
    probe.attach(page)
    yield page
    context.close()
    assert not probe.csp, f"CSP violations: {probe.csp}"
    # the 401 of /api/auth/me that sends a visitor to /login is the browser's console line, not a page error
    assert not [e for e in probe.errors if "401" not in e], f"page errors: {probe.errors}"


def sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.goto("/")
    page.wait_for_url("**/login")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-submit")


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator(".msg-answer[data-answer-id]").last).to_be_visible(timeout=60_000)


def test_sign_in_ask_sign_out_and_a_second_user_sees_nothing(signed_out: Page, team: Team, artifacts) -> None:
    page = signed_out
    sign_in(page, "alice", "not-the-password")
    expect(page.locator("#login-error")).to_have_text("The name or the password is not right.")
    page.screenshot(path=str(artifacts / "sign-in-error.png"))

    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(team.url + "/")
    expect(page.locator("#user-name")).to_have_text("alice")
    expect(page.locator("#user-area")).to_contain_text("Coder")
    ask(page, QUESTION)  # a state-changing request from the page: it carries the CSRF token
    expect(page.locator(".conv-item")).to_have_count(1)
    alice_conversation = page.evaluate("location.hash").removeprefix("#c/")
    page.screenshot(path=str(artifacts / "signed-in.png"))

    page.click("#sign-out")
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url("**/login")  # the session is gone: back to the sign-in page

    sign_in(page, "bob")
    page.wait_for_url(team.url + "/")
    expect(page.locator("#user-name")).to_have_text("bob")
    expect(page.locator("#user-area")).to_contain_text("Team lead")
    expect(page.locator("#history-empty")).to_be_visible()
    expect(page.locator(".conv-item")).to_have_count(0)
    page.goto(f"/#c/{alice_conversation}")  # a link to alice's conversation shows bob nothing of it
    expect(page.locator("#user-name")).to_have_text("bob")
    page.wait_for_timeout(500)
    assert QUESTION not in page.locator("main").inner_text()
    expect(page.locator(".conv-item")).to_have_count(0)


def test_delete_all_my_history(signed_out: Page, team: Team) -> None:
    page = signed_out
    sign_in(page, "bob")
    page.wait_for_url(team.url + "/")
    ask(page, QUESTION)
    ask(page, "what if it was bilateral?")
    expect(page.locator(".conv-item")).to_have_count(1)
    page.click("#delete-all-history")
    page.click("#confirm-delete-all")
    expect(page.locator(".conv-item")).to_have_count(0)
    expect(page.locator("#history-empty")).to_be_visible()
    page.reload()
    expect(page.locator("#user-name")).to_have_text("bob")
    expect(page.locator(".conv-item")).to_have_count(0)


def test_single_user_mode_says_so(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#single-user-note")).to_have_text("Single-user mode")
    expect(page.locator("#sign-out")).to_have_count(0)
    page.goto("/login")
    expect(page.locator("#login-note")).to_contain_text("single-user mode")
    expect(page.locator("#login-form")).to_be_hidden()
