"""The Codes tab in a real browser (issue #16): search by code and by words, open a code, follow a PTP pair to the
other code, read how a pair is bypassed, and see a close match offered for a mistyped code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _search(page: Page, query: str) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Codes").click()
    page.get_by_label("Code or words").fill(query)
    page.locator("#codes-go").click()


def test_search_open_and_follow_a_pair(page: Page, artifacts) -> None:  # noqa: ANN001
    _search(page, "6449")
    expect(page.locator("#codes-count")).to_have_text("6 codes")
    page.locator('#codes-list [data-code="64493"]').click()
    reader = page.locator("#code-reader")
    expect(reader.locator(".code-head .code")).to_have_text("64493")
    expect(reader.locator('[data-fact="bilateral"]')).to_contain_text("1")
    expect(reader.locator('[data-fact="bilateral"]')).to_contain_text("curated")
    expect(reader).to_contain_text("1 per date of service, MAI 2")
    row = reader.locator('[data-pair="64635/64493"]')
    expect(row).to_be_visible()
    page.screenshot(path=str(artifacts / "codes.png"), full_page=True)
    row.get_by_role("button", name="Bypass?").click()
    detail = reader.locator("#pair-detail")
    expect(detail).to_contain_text("64635 is column 1")
    expect(detail.locator(".bypass")).to_contain_text("XS on 64493")
    expect(detail.locator(".not-bypass")).to_contain_text("column-1 code")
    row.locator('.code-link[data-code="64635"]').click()
    expect(reader.locator(".code-head .code")).to_have_text("64635")
    expect(reader.locator('[data-pair="64635/64493"] .code-link[data-code="64493"]')).to_be_visible()


def test_search_by_words_and_a_mistyped_code(page: Page) -> None:
    _search(page, "sacroiliac joint injection")
    expect(page.locator('#codes-list [data-code="27096"]')).to_be_visible()
    page.get_by_label("Code or words").fill("64439")
    page.locator("#codes-go").click()
    expect(page.locator("#codes-count")).to_have_text("0 codes")
    alert = page.locator("#code-reader [role=alert]")
    expect(alert).to_contain_text("did you mean")
    alert.locator('.code-link[data-code="64493"]').click()
    expect(page.locator("#code-reader .code-head .code")).to_have_text("64493")


def test_a_code_shows_its_lcd_in_every_mac_jurisdiction(page: Page) -> None:
    _search(page, "64493")
    page.locator('#codes-list [data-code="64493"]').click()
    reader = page.locator("#code-reader")
    expect(reader).to_contain_text("LCD and billing article by MAC jurisdiction (facet)")
    cgs = reader.locator("tr", has_text="J15")
    expect(cgs).to_contain_text("CGS")
    expect(cgs).to_contain_text("A58364")
    expect(cgs).to_contain_text("confirmed")
    expect(cgs.get_by_role("link", name="LCD L38773")).to_have_attribute("href", re.compile(r"lcdid=38773$"))
