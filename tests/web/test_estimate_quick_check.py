"""Quick check shows what the corrected claim would pay (issue #16 item 4), in a real browser: the estimate on a
server with an RVU file imported, and the reason when none is."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _check(page: Page, lines: str, locality: str = "") -> None:
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.locator("#check-lines").fill(lines)
    page.locator("#check-locality").fill(locality)
    page.locator("#check-payer").select_option("medicare")
    page.locator("#check-submit").click()


def test_quick_check_shows_the_estimate(payment_page: Page, artifacts: Path) -> None:
    _check(payment_page, "64493-50, 64494-50")
    table = payment_page.locator(".estimate-table")
    expect(table).to_be_visible()
    expect(table.locator("tr.total")).to_contain_text("$353.23")  # 238.49 + 114.74 (see test_payment_estimate)
    expect(payment_page.locator(".estimate")).to_contain_text("Estimate: national Medicare")
    payment_page.screenshot(path=str(artifacts / "estimate.png"), full_page=True)


def test_quick_check_prices_a_locality(payment_page: Page) -> None:
    """Manhattan (13202-01: GPCI 1.064 / 1.162 / 1.586): 64493-50 272.63 + 64494-50 130.32, as worked in
    tests/data/test_locality_estimate.py."""
    _check(payment_page, "64493-50, 64494-50", locality="manhattan")
    expect(payment_page.locator(".estimate-table tr.total")).to_contain_text("$402.95")
    expect(payment_page.locator(".estimate")).to_contain_text("locality 13202-01 NY MANHATTAN")
    expect(payment_page.locator(".estimate")).to_contain_text("GPCI work 1.064, PE 1.162, MP 1.586 (CMS GPCI 2026)")


def test_quick_check_says_why_there_is_no_estimate(page: Page) -> None:
    _check(page, "64493-50")
    expect(page.locator(".estimate")).to_contain_text("advisor data import")


def test_the_chat_answer_prices_its_claim(payment_page: Page) -> None:
    """64493-50-KX: 150% of 158.99 = 238.49 non-facility (tests/data/test_answer_estimate.py)."""
    payment_page.goto("/")
    payment_page.fill("#question", "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?")
    payment_page.press("#question", "Enter")
    answer = payment_page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator(".estimate-table tr.total")).to_contain_text("$238.49", timeout=60_000)
    expect(answer.locator(".estimate")).to_contain_text("Estimate: national Medicare")


def test_no_estimate_under_the_answer_without_the_rvu_file(page: Page) -> None:
    page.goto("/")
    page.fill("#question", "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?")
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator(".claim-table").first).to_be_visible(timeout=60_000)
    expect(answer.locator(".estimate")).to_have_count(0)
