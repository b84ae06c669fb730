"""The editable "I read this as" summary in a real browser (Debian's Chromium via Playwright) against the real app:
a coder fixes a misread field and sees the recomputed claim; the fix survives a reload; keyboard and phone width."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RIGHT_FACET = "Right L4-5 facet injection under fluoro, Medicare: what do I bill?"
TRIGGER_POINTS = "Trigger points in the left trapezius and left rhomboid today, code?"
PLANNED_TFESI = "Right L4-5 facet injection under fluoro today; a TFESI is planned for next week. Codes?"


def ask(page: Page, question: str):
    page.fill("#question", question)
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator("[data-role=understood] select").first).to_be_visible(timeout=60_000)
    return answer


def claim(answer) -> list[str]:
    rows = answer.locator(".claim-table tbody tr")
    out = []
    for i in range(rows.count()):
        code = rows.nth(i).locator("td.code").inner_text()
        mods = rows.nth(i).locator("td").nth(1).inner_text()
        out.append(code if mods == "—" else code + "-" + mods.replace(", ", "-"))
    return out


def field(answer, key: str):
    return answer.locator(f'[data-role=understood] [data-key="{key}"]')


def test_side_right_to_bilateral_recomputes_the_claim_and_survives_reload(page: Page, web_server, artifacts) -> None:
    page.goto("/")
    answer = ask(page, RIGHT_FACET)
    summary = answer.locator("[data-role=understood]")
    expect(summary.get_by_role("heading", name="I read this as")).to_be_visible()
    expect(field(answer, "p0-family")).to_have_value("facet_injection")
    expect(field(answer, "p0-side")).to_have_value("right")
    assert claim(answer) == ["64493-RT"]
    # the prose line is replaced by the fields
    assert "I read this as:" not in answer.locator(".answer-body").inner_text()
    page.screenshot(path=str(artifacts / "understood-before.png"))

    with page.expect_response("**/turns/*/correct") as done:
        field(answer, "p0-side").select_option("bilateral")  # the second click: pick the value
    assert done.value.status == 200
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator("[data-role=corrected]")).to_have_text("Corrected")
    expect(answer.locator(".claim-table tbody tr td.code")).to_have_text(["64493"])
    assert claim(answer) == ["64493-50"]
    expect(answer.locator(".ucorrected")).to_contain_text("side right → bilateral")
    expect(field(answer, "p0-side")).to_have_value("bilateral")
    expect(field(answer, "p0-side")).to_be_focused()  # the coder stays on the field they changed
    assert page.locator(".msg-answer[data-answer-id]").count() == 1  # recomputed in place, not a new turn
    page.screenshot(path=str(artifacts / "understood-corrected.png"))

    conv_id = page.evaluate("location.hash").removeprefix("#c/")
    turn = httpx.get(f"{web_server.url}/api/conversations/{conv_id}", timeout=10).json()["turns"][0]
    assert turn["correction"]["edit"]["procedures"][0]["side"] == "bilateral"
    assert turn["correction"]["original"]["claim"] == [{"code": "64493", "modifiers": ["RT"], "units": 1}]

    page.reload()
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(field(answer, "p0-side")).to_have_value("bilateral", timeout=20_000)
    assert claim(answer) == ["64493-50"]
    original = answer.locator(".uoriginal")
    original.locator("summary").click()
    expect(original).to_contain_text("I read this as: facet joint injection / medial branch block, lumbar, "
                                     "1 level (L4-5), right")
    with page.expect_response("**/turns/*/correct"):
        original.get_by_role("button", name="Restore the original reading").click()
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(field(answer, "p0-side")).to_have_value("right")
    assert claim(answer) == ["64493-RT"]
    expect(answer.locator("[data-role=corrected]")).to_have_count(0)


def test_muscles_two_to_four_with_the_keyboard(page: Page) -> None:
    page.goto("/")
    answer = ask(page, TRIGGER_POINTS)
    assert claim(answer) == ["20552"]
    muscles = field(answer, "p0-muscles")
    expect(muscles).to_have_value("2")
    muscles.focus()
    page.keyboard.press("ArrowDown")  # 3 muscles
    page.keyboard.press("ArrowDown")  # 4 muscles: sent when the first recomputation returns (the latest wins)
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(field(answer, "p0-muscles")).to_have_value("4", timeout=20_000)
    expect(answer.locator(".claim-table td.code")).to_have_text(["20553"])
    expect(answer.locator(".ucorrected")).to_contain_text("muscles 2 → 4")
    expect(field(answer, "p0-muscles")).to_be_focused()


def test_bill_a_planned_procedure_after_choosing_its_region(page: Page) -> None:
    page.goto("/")
    answer = ask(page, PLANNED_TFESI)
    assert claim(answer) == ["64493-RT"]
    expect(answer.locator(".unotbilled")).to_contain_text("transforaminal epidural injection (planned, not today)")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if r.url.endswith("/correct") else None)
    answer.get_by_role("button", name="Bill it today: transforaminal epidural injection").click()
    region = field(answer, "p1-region")
    expect(region).to_be_focused()
    expect(answer.locator("[role=alert]")).to_contain_text("Choose the region of the transforaminal epidural injection")
    assert calls == []  # nothing is sent while the field that picks the code is empty
    with page.expect_response("**/turns/*/correct"):
        region.select_option("lumbar")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer.locator(".claim-table td.code")).to_have_text(["64493", "64483"])
    expect(answer.locator(".ucorrected")).to_contain_text("added transforaminal epidural injection")


def test_a_correction_the_server_refuses_is_shown_and_changes_nothing(page: Page) -> None:
    page.goto("/")
    answer = ask(page, RIGHT_FACET)
    with page.expect_response("**/turns/*/correct") as done:
        answer.get_by_role("button", name="Remove procedure 1: Facet joint injection / medial branch block").click()
    assert done.value.status == 422
    expect(answer.locator("[data-role=understood] [role=alert]")).to_contain_text("nothing is left to code")
    assert claim(answer) == ["64493-RT"]
    expect(answer.locator("[data-role=corrected]")).to_have_count(0)


def test_phone_width_fix_the_payer(phone_page: Page, artifacts) -> None:
    page = phone_page
    page.goto("/")
    answer = ask(page, "Diagnostic MBB right L4-5 under fluoro, codes?")
    assert claim(answer) == ["64493-RT-KX"]
    overflow = page.evaluate("(m => m.scrollWidth - m.clientWidth)(document.querySelector('#messages'))")
    assert overflow <= 1, overflow
    box = field(answer, "payer").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    with page.expect_response("**/turns/*/correct"):
        field(answer, "payer").select_option("commercial")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(field(answer, "payer")).to_have_value("commercial")
    expect(answer.locator(".claim-table td.code")).to_have_text(["64493"])
    assert claim(answer) == ["64493-RT"]  # KX is Medicare's
    page.screenshot(path=str(artifacts / "phone-understood.png"), full_page=False)
