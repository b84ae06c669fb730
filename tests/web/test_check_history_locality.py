"""Quick check's prior sessions, relief and line diagnoses, and the chat's locality selector (issue #16), in a real
browser (Debian's Chromium) against a real server: the facts change the findings as the LCD rules say, bad values
come back as the server's 422 on the field they name, and the chat's estimate is priced for the chosen locality."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
QUESTION = "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?"


def _open_check(page: Page, lines: str) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.locator("#check-payer").select_option("medicare")
    page.locator("#check-lines").fill(lines)


def _findings(page: Page) -> list[str]:
    page.locator(".check-card").wait_for()
    return page.locator(".check-card .rule-id").all_text_contents()


def test_relief_from_prior_blocks_changes_the_rfa_finding(page: Page, artifacts: Path) -> None:
    _open_check(page, "64635-RT, 64636-RT")
    page.locator("#fact-prior-blocks").fill("50")
    page.locator("#check-submit").click()
    expect(page.locator(".check-card .badge")).to_have_text("Warnings")
    finding = page.locator(".finding", has_text="LCD-RFA-BLOCKS")
    expect(finding).to_have_attribute("data-severity", "warning")
    expect(finding).to_contain_text("only 1 diagnostic block was documented")
    expect(page.locator(".facts-used")).to_contain_text("Prior diagnostic blocks: 50% relief")
    page.screenshot(path=str(artifacts / "check-history.png"), full_page=True)

    page.locator("#fact-prior-blocks").fill("80, 80")
    page.locator("#check-submit").click()
    expect(page.locator(".check-card .badge")).to_have_text("Clean")
    expect(page.locator(".facts-used")).to_contain_text("Prior diagnostic blocks: 80%, 80% relief")
    assert "LCD-RFA-BLOCKS" not in _findings(page)


def test_prior_esi_sessions_reach_the_session_limit(page: Page) -> None:
    _open_check(page, "62323")
    page.locator("#fact-sessions-esi").fill("4")
    page.locator("#check-submit").click()
    expect(page.locator(".finding", has_text="LCD-SESSIONS")).to_contain_text("session 5 of esi")
    expect(page.locator(".facts-used")).to_contain_text("4 prior ESI session(s) in the rolling 12 months")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("#fact-prior-relief", "140", "relief of 140%: relief is a percentage from 0 to 100"),
    ("#fact-sessions-rfa", "-1", "rfa: -1 sessions"),
    ("#fact-prior-blocks", "80, 140", "block 2's relief is 140%"),
])
def test_a_bad_history_value_is_the_servers_422_on_its_field(page: Page, field: str, value: str, message: str) -> None:
    _open_check(page, "64635-RT")
    page.locator(field).fill(value)
    page.locator("#check-submit").click()
    alert = page.locator("#check-result [role=alert]")
    expect(alert).to_contain_text("Please fix the claim")
    expect(alert).to_contain_text(message)
    expect(page.locator(field)).to_have_attribute("aria-invalid", "true")


def test_each_line_gets_its_diagnoses(page: Page, artifacts: Path) -> None:
    _open_check(page, "64493-50\n64494-50")
    expect(page.locator("#check-dx-rows .dx-row")).to_have_count(2)
    expect(page.locator("#check-dx-rows .dx-row").nth(1)).to_contain_text("Line 2: 64494-50")
    page.locator("#check-dx-1").fill("m47816, M54.50")
    page.locator("#check-dx-2").fill("47.816")
    page.locator("#check-submit").click()
    alert = page.locator("#check-result [role=alert]")
    expect(alert).to_contain_text("line 2 (64494-50 dx 47.816)")
    expect(alert).to_contain_text("is not an ICD-10-CM code")
    expect(page.locator("#check-dx-2")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#check-dx-1")).not_to_have_attribute("aria-invalid", "true")

    page.locator("#check-dx-2").fill("M47.816")
    page.locator("#check-submit").click()
    table = page.locator(".check-card .claim-section .claim-table")
    expect(table.locator("thead")).to_contain_text("Diagnoses")
    expect(table.locator("tbody tr").nth(0)).to_contain_text("M47.816, M54.50")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("M47.816")
    expect(page.locator(".facts-used")).to_contain_text("no rule reads diagnoses yet")
    expect(page.locator("#check-dx-2")).not_to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(artifacts / "check-diagnoses.png"), full_page=True)


def test_the_diagnoses_of_a_line_follow_its_position_as_lines_are_added(page: Page) -> None:
    _open_check(page, "64493-50")
    page.locator("#check-dx-1").fill("M47.816")
    page.locator("#check-lines").fill("64493-50, 64494-50")
    expect(page.locator("#check-dx-1")).to_have_value("M47.816")
    expect(page.locator("#check-dx-2")).to_have_value("")
    page.locator("#check-reset").click()
    expect(page.locator("#check-dx-rows input")).to_have_count(0)


def test_no_locality_selector_without_the_gpci_file(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#locality-label")).to_be_hidden()


def test_the_chat_prices_the_chosen_locality_and_remembers_it(payment_page: Page, artifacts: Path) -> None:
    page = payment_page
    page.goto("/")
    label = page.locator("#locality-label")
    expect(label).to_be_visible()
    page.locator("#locality").select_option("13202-01")
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer[data-answer-id]").last
    estimate = answer.locator(".estimate")
    expect(estimate).to_contain_text("for locality 13202-01 NY MANHATTAN", timeout=60_000)
    expect(estimate.locator(".estimate-table tr.total")).to_contain_text("$272.63")
    page.screenshot(path=str(artifacts / "chat-locality.png"), full_page=True)

    page.reload()  # the same browser session: the choice stays
    expect(page.locator("#locality")).to_have_value("13202-01")
    page.locator("#locality").select_option("")
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    national = page.locator(".msg-answer[data-answer-id]").last.locator(".estimate")
    expect(national).to_contain_text("Estimate: national Medicare", timeout=60_000)
    expect(national.locator(".estimate-table tr.total")).to_contain_text("$238.49")
