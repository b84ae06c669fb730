"""Quick check shows what the corrected claim would pay (issue #16 item 4), in a real browser: the estimate on a
server with an RVU file imported, and the reason when none is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from advisor.data import db
from tests.data.cms_files import PAYMENT_ROWS as ROWS
from tests.data.cms_files import write_real_gpci, write_rvu
from tests.web.conftest import DESKTOP

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rvu_server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("estimate_web")
    db.import_paths([write_rvu(root / "PPRRVU26_JAN.csv", rows=ROWS), write_real_gpci(root / "GPCI2026.csv")],
                    root / "data" / "cms_tables.sqlite", progress=False)
    return session_server_factory(data_dir=root / "data").start()


@pytest.fixture
def rvu_page(browser, rvu_server) -> Iterator[Page]:  # noqa: ANN001
    context = browser.new_context(viewport=DESKTOP, base_url=rvu_server.url, service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors


def _check(page: Page, lines: str, locality: str = "") -> None:
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.locator("#check-lines").fill(lines)
    page.locator("#check-locality").fill(locality)
    page.locator("#check-payer").select_option("medicare")
    page.locator("#check-submit").click()


def test_quick_check_shows_the_estimate(rvu_page: Page, artifacts: Path) -> None:
    _check(rvu_page, "64493-50, 64494-50")
    table = rvu_page.locator(".estimate-table")
    expect(table).to_be_visible()
    expect(table.locator("tr.total")).to_contain_text("$353.23")  # 238.49 + 114.74 (see test_payment_estimate)
    expect(rvu_page.locator(".estimate")).to_contain_text("Estimate: national Medicare")
    rvu_page.screenshot(path=str(artifacts / "estimate.png"), full_page=True)


def test_quick_check_prices_a_locality(rvu_page: Page) -> None:
    """Manhattan (13202-01: GPCI 1.064 / 1.162 / 1.586): 64493-50 272.63 + 64494-50 130.32, as worked in
    tests/data/test_locality_estimate.py."""
    _check(rvu_page, "64493-50, 64494-50", locality="manhattan")
    expect(rvu_page.locator(".estimate-table tr.total")).to_contain_text("$402.95")
    expect(rvu_page.locator(".estimate")).to_contain_text("locality 13202-01 NY MANHATTAN")
    expect(rvu_page.locator(".estimate")).to_contain_text("GPCI work 1.064, PE 1.162, MP 1.586 (CMS GPCI 2026)")


def test_quick_check_says_why_there_is_no_estimate(page: Page) -> None:
    _check(page, "64493-50")
    expect(page.locator(".estimate")).to_contain_text("advisor data import")


def test_the_chat_answer_prices_its_claim(rvu_page: Page) -> None:
    """64493-50-KX: 150% of 158.99 = 238.49 non-facility (tests/data/test_answer_estimate.py)."""
    rvu_page.goto("/")
    rvu_page.fill("#question", "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?")
    rvu_page.press("#question", "Enter")
    answer = rvu_page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator(".estimate-table tr.total")).to_contain_text("$238.49", timeout=60_000)
    expect(answer.locator(".estimate")).to_contain_text("Estimate: national Medicare")


def test_no_estimate_under_the_answer_without_the_rvu_file(page: Page) -> None:
    page.goto("/")
    page.fill("#question", "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?")
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator(".claim-table").first).to_be_visible(timeout=60_000)
    expect(answer.locator(".estimate")).to_have_count(0)
