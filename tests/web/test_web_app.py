"""The web app in a real browser (Debian's Chromium via Playwright) against the real app on uvicorn."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from advisor.settings import Settings
from advisor.store import ConversationStore

pytestmark = pytest.mark.browser

BILATERAL_FACET = "Bilateral L4-5 and L5-S1 facet injections under fluoro, Medicare: what do I bill?"
EM_25 = "Can I bill 99213-25 on the same day as a scheduled L4-5 facet injection, no other problem addressed?"
EM_FOLLOW_UP = "Can I also bill 99213-25 for that visit? Nothing else was addressed."

SEEDED_ANSWER = {
    "answer": "**No.** A scheduled injection visit alone does not support modifier 25 [1].\n\n"
    "- The decision to do a minor procedure is part of it [1]\n- Bill `64493` alone [2]",
    "verdict": "no",
    "claim": [{"code": "64493", "modifiers": [], "units": 1}],
    "findings": [
        {
            "rule": "EM-25-UNSUPPORTED",
            "severity": "error",
            "message": "No separately identifiable problem: drop the E/M line.",
            "codes": ["99213"],
            "sources": ["https://www.cms.gov/"],
            "confidence": "confirmed",
        }
    ],
    "citations": [
        {
            "n": 1,
            "doc": "modifier-kx",
            "title": "Modifier KX",
            "section": "What KX does in the Medicare pain LCDs",
            "text": "KX marks a procedure as diagnostic.",
            "sources": ["https://www.cms.gov/"],
        },
        {
            "n": 2,
            "doc": "facet-injections",
            "title": "Facet joint injections",
            "section": "The facet injection codes: 64490-64495",
            "text": "The same six codes cover both intra-articular injections and medial branch blocks.",
            "sources": [],
        },
    ],
    "engine": "offline",
    "knowledge_version": "kv-seeded",
}


def seed_conversation(server, title: str, questions: list[str]) -> tuple[str, list[str]]:
    """Write a conversation straight into the server's SQLite file (a second process, as another writer would)."""
    store = ConversationStore(Settings(data_dir=server.data_dir, database_url=None))
    conv = store.create(title)
    ids = [store.add_turn(conv.id, q, SEEDED_ANSWER) for q in questions]
    store.close()
    return conv.id, ids


def ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator(".msg-answer[data-answer-id]").last).to_be_visible(timeout=60_000)


def answers(page: Page):
    return page.locator(".msg-answer[data-answer-id]")


# --------------------------------------------------------------------------- chat


def test_empty_chat_onboards_and_cannot_send_empty(page: Page, artifacts) -> None:
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/ask" in r.url else None)
    page.goto("/")
    expect(page.locator("#empty-state")).to_be_visible()
    assert page.locator(".suggestion").count() >= 3
    expect(page.locator("#payer")).to_have_value("")  # as asked in the question, else Medicare
    expect(page.locator("#send")).to_be_disabled()
    page.focus("#question")
    page.keyboard.press("Enter")
    page.fill("#question", "   \n  ")
    expect(page.locator("#send")).to_be_disabled()
    page.press("#question", "Enter")
    page.wait_for_timeout(300)
    assert calls == []
    assert page.locator(".msg-user").count() == 0
    page.fill("#question", "")
    page.screenshot(path=str(artifacts / "chat-empty.png"))


def test_shift_enter_adds_a_newline(page: Page) -> None:
    page.goto("/")
    page.focus("#question")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#question") == "first line\nsecond line"
    assert page.locator(".msg-user").count() == 0


def test_ask_shows_verdict_claim_table_and_citations(page: Page, web_server, artifacts) -> None:
    page.goto("/")
    ask(page, BILATERAL_FACET)
    answer = answers(page).last
    rows = answer.locator(".claim-table tbody tr")
    expect(rows.first).to_be_visible()
    codes = [rows.nth(i).locator("td.code").inner_text() for i in range(rows.count())]
    assert "64493" in codes and "64494" in codes, codes
    assert "50" in rows.nth(codes.index("64493")).locator("td").nth(1).inner_text()
    expect(answer.locator(".engine")).to_contain_text(re.compile(r"Offline rules engine|Model: "))
    expect(answer.locator(".knowledge-version")).to_be_visible()
    expect(answer).to_contain_text("payer’s current policy")
    assert answer.locator(".citations .citation").count() >= 1
    assert answer.locator(".answer-body .chip:not(.missing)").count() >= 1
    expect(page.locator(".conv-item.active")).to_have_count(1)  # the new conversation is in the sidebar
    answer.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(artifacts / "chat-answer.png"))

    first_id = page.evaluate("location.hash").removeprefix("#c/")
    with page.expect_request("**/api/ask/stream") as req:
        ask(page, EM_FOLLOW_UP)  # a follow-up: same conversation, context kept
    assert req.value.post_data_json == {"question": EM_FOLLOW_UP, "conversation_id": first_id, "payer": None}
    answer = answers(page).last
    expect(answer.locator(".badge[data-verdict]")).to_have_text("No")
    assert answer.locator(".finding[data-severity]").count() >= 1
    assert answers(page).count() == 2
    page.screenshot(path=str(artifacts / "chat-follow-up.png"))

    conv_id = page.evaluate("location.hash").removeprefix("#c/")
    conv = httpx.get(f"{web_server.url}/api/conversations/{conv_id}", timeout=10).json()
    assert [t["question"] for t in conv["turns"]] == [BILATERAL_FACET, EM_FOLLOW_UP]


def test_copy_claim_button(page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    ask(page, BILATERAL_FACET)
    answer = answers(page).last
    answer.get_by_role("button", name="Copy claim lines").click()
    expect(answer.locator(".copy-status")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "64493-50" in copied and "64494-50" in copied


def test_citation_opens_passage_document_and_sources(page: Page, artifacts) -> None:
    page.goto("/")
    ask(page, BILATERAL_FACET)
    chip = answers(page).last.locator(".answer-body .chip:not(.missing)").first
    chip.click()
    panel = page.locator("#cite-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-role=passage]")).not_to_be_empty()
    expect(panel.locator(".cite-doc .doc .doc-html")).to_be_visible()
    assert panel.locator(".cite-doc .doc-html h2").count() >= 1
    assert panel.locator("script").count() == 0
    page.screenshot(path=str(artifacts / "citation-panel.png"))
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_script_in_question_is_shown_as_text_not_run(page: Page) -> None:
    payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> what about 64493?'
    page.goto("/")
    ask(page, payload)
    bubble = page.locator(".msg-user .bubble").last
    expect(bubble).to_have_text(payload)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#messages img, #messages script").count() == 0
    # And after reopening the stored conversation.
    page.reload()
    expect(page.locator(".msg-user .bubble").first).to_have_text(payload)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#messages img, #messages script").count() == 0


def test_server_error_shows_retry_and_keeps_the_question(page: Page, artifacts) -> None:
    page.goto("/")
    page.route("**/api/ask**", lambda route: route.fulfill(
        status=500, content_type="application/json",
        body='{"error": "InternalError", "message": "The server hit an unexpected problem; please retry."}'))
    page.fill("#question", BILATERAL_FACET)
    page.click("#send")
    alert = page.locator(".msg-error [role=alert]")
    expect(alert).to_contain_text("unexpected problem")
    expect(page.locator("#question")).to_have_value(BILATERAL_FACET)
    retry = alert.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    page.screenshot(path=str(artifacts / "chat-error-retry.png"))

    page.unroute("**/api/ask**")
    retry.click()
    expect(answers(page).last).to_be_visible(timeout=60_000)
    expect(page.locator(".msg-error")).to_have_count(0)
    expect(page.locator("#question")).to_have_value("")
    assert page.locator(".msg-user").count() == 1


def test_lost_connection_shows_retry(page: Page) -> None:
    page.goto("/")
    page.route("**/api/ask**", lambda route: route.abort("connectionreset"))
    page.fill("#question", EM_25)
    page.press("#question", "Enter")
    alert = page.locator(".msg-error [role=alert]")
    expect(alert).to_contain_text("connection")
    expect(alert.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.locator("#question")).to_have_value(EM_25)


def test_rejected_question_message_is_shown(page: Page) -> None:
    page.goto("/")
    page.evaluate("document.querySelector('#question').removeAttribute('maxlength')")
    page.fill("#question", "z" * 4100)
    page.click("#send")
    alert = page.locator(".msg-error [role=alert]")
    expect(alert).to_contain_text("limit")
    expect(alert.get_by_role("button", name="Retry")).to_have_count(0)
    expect(page.locator("#question")).to_have_value("z" * 4100)


def test_question_in_a_deleted_conversation_restarts_on_retry(page: Page, web_server) -> None:
    conv_id, _ = seed_conversation(web_server, "Deleted elsewhere", ["Bilateral MBB?"])
    page.goto(f"/#c/{conv_id}")
    expect(answers(page)).to_have_count(1)
    assert httpx.delete(f"{web_server.url}/api/conversations/{conv_id}", timeout=10).status_code == 204
    page.fill("#question", BILATERAL_FACET)
    page.press("#question", "Enter")
    alert = page.locator(".msg-error [role=alert]")
    expect(alert).to_contain_text("no longer exists")
    alert.get_by_role("button", name="Retry").click()
    expect(answers(page).locator(".claim-table")).to_be_visible(timeout=60_000)
    expect(answers(page)).to_have_count(1)  # the deleted conversation's turns are gone
    page.wait_for_function("/^#c\\/[0-9a-f]+$/.test(location.hash)")
    assert conv_id not in page.evaluate("location.hash")


def test_suggestion_sends_with_the_chosen_payer(page: Page) -> None:
    page.goto("/")
    page.locator("#payer").select_option("commercial")
    first = page.locator(".suggestion").first
    text = first.inner_text()
    with page.expect_request("**/api/ask/stream") as req:
        first.click()
    assert req.value.post_data_json == {"question": text, "conversation_id": None, "payer": "commercial"}
    expect(page.locator(".msg-user .bubble").first).to_have_text(text)
    expect(answers(page).first).to_be_visible(timeout=60_000)
    expect(page.locator("#empty-state")).to_be_hidden()


# --------------------------------------------------------------------------- history and feedback


def test_feedback_persists_after_reload_and_appears_in_csv(page: Page, web_server) -> None:
    conv_id, [aid] = seed_conversation(web_server, "Feedback test", ["Can I bill 25 with a scheduled MBB?"])
    page.goto(f"/#c/{conv_id}")
    answer = page.locator(f'.msg-answer[data-answer-id="{aid}"]')
    expect(answer).to_be_visible()
    answer.get_by_role("button", name="Not helpful").click()
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    answer.get_by_label("Feedback comment").fill("Should mention KX for diagnostic blocks")
    answer.get_by_role("button", name="Send comment").click()
    expect(answer.locator(".fb-status")).to_contain_text("Comment saved")

    page.reload()
    answer = page.locator(f'.msg-answer[data-answer-id="{aid}"]')
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "false")

    text = page.request.get("/api/feedback?format=csv").text()
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["answer_id"] == aid]
    assert [r["rating"] for r in rows] == ["down", "down"]
    assert rows[-1]["comment"] == "Should mention KX for diagnostic blocks"
    assert rows[-1]["question"] == "Can I bill 25 with a scheduled MBB?"


def test_reopen_rename_and_delete_a_conversation(page: Page, web_server, artifacts) -> None:
    keep_id, _ = seed_conversation(web_server, "Knee injection questions", ["20610 or 20611 without a saved image?"])
    conv_id, _ = seed_conversation(web_server, "Facet questions", ["Bilateral MBB?", "And for commercial?"])
    page.goto("/")
    item = page.locator(f'.conv-item[data-id="{conv_id}"]')
    expect(item).to_contain_text("Facet questions")

    item.locator(".conv-open").click()
    expect(page.locator(".msg-user .bubble")).to_have_text(["Bilateral MBB?", "And for commercial?"])
    expect(page.locator("#chat-title")).to_have_text("Facet questions")
    assert page.url.endswith(f"#c/{conv_id}")
    expect(answers(page).first.locator(".badge")).to_have_text("No")
    page.screenshot(path=str(artifacts / "history.png"))

    item.get_by_role("button", name=re.compile("^Rename conversation")).click()
    field = page.get_by_label("New title")
    field.fill("")
    page.keyboard.press("Enter")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("Bilateral facet, Medicare vs commercial")
    page.keyboard.press("Enter")
    expect(item.locator(".conv-open")).to_have_text("Bilateral facet, Medicare vs commercial")
    expect(page.locator("#chat-title")).to_have_text("Bilateral facet, Medicare vs commercial")
    page.reload()
    expect(page.locator(f'.conv-item[data-id="{conv_id}"] .conv-open')).to_have_text(
        "Bilateral facet, Medicare vs commercial")

    item = page.locator(f'.conv-item[data-id="{conv_id}"]')
    item.get_by_role("button", name=re.compile("^Delete conversation")).click()
    item.get_by_role("button", name="Cancel").click()
    expect(page.locator(f'.conv-item[data-id="{conv_id}"] .conv-open')).to_be_visible()
    page.locator(f'.conv-item[data-id="{conv_id}"]').get_by_role("button", name=re.compile("^Delete conversation")).click()
    page.locator(f'.conv-item[data-id="{conv_id}"] .conv-confirm-delete').click()
    expect(page.locator(f'.conv-item[data-id="{conv_id}"]')).to_have_count(0)
    expect(page.locator("#empty-state")).to_be_visible()
    expect(page.locator(f'.conv-item[data-id="{keep_id}"]')).to_have_count(1)
    assert httpx.get(f"{web_server.url}/api/conversations/{conv_id}", timeout=10).status_code == 404

    # A stale link to the deleted conversation says so instead of failing silently.
    page.goto(f"/#c/{conv_id}")
    expect(page.get_by_role("alert").filter(has_text="no longer exists")).to_be_visible()


# --------------------------------------------------------------------------- quick check


def test_quick_check_shows_status_findings_and_corrected_claim(page: Page, artifacts) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.get_by_label("Claim lines", exact=True).fill("99213-25, 64493-50\n64494-50")
    page.locator("#fact-separate").select_option("false")
    page.locator("#fact-diagnostic").select_option("true")
    with page.expect_request("**/api/check") as req:
        page.get_by_role("button", name="Check claim").click()
    body = req.value.post_data_json
    assert body["lines"] == ["99213-25", "64493-50", "64494-50"]
    assert body["payer"] == "medicare"
    assert body["facts"]["separate_problem"] is False and body["facts"]["diagnostic"] is True
    result = page.locator("#check-result")
    expect(result.locator(".badge[data-status]")).to_have_text(re.compile("^(Clean|Warnings|Errors)$"))
    assert result.locator(".finding").count() >= 1
    expect(result.locator(".claim-table tbody tr").first).to_be_visible()
    page.screenshot(path=str(artifacts / "quick-check.png"))


def test_quick_check_sends_claim_type_mac_and_date(page: Page) -> None:
    """Claim type is its own field (not the place of service), and the MAC and date of service choose the LCD
    values; the result says what it was checked as."""
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.get_by_label("Claim lines", exact=True).fill("27096-50")
    page.get_by_label("Claim type").select_option("asc")
    page.get_by_label("Medicare contractor (MAC)").fill("OH")
    page.locator("#check-dos").fill("2026-02-02")
    with page.expect_request("**/api/check") as req:
        page.get_by_role("button", name="Check claim").click()
    facts = req.value.post_data_json["facts"]
    assert facts == {"claim_type": "asc", "mac": "OH", "date_of_service": "2026-02-02"}
    result = page.locator("#check-result")
    expect(result.locator(".applied")).to_contain_text("ASC facility claim")
    expect(result.locator(".applied")).to_contain_text("CGS's jurisdiction (J15)")
    expect(result.locator(".claim-table")).to_contain_text("G0260")


def test_quick_check_shows_422_clearly(page: Page) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Quick check").click()
    page.get_by_label("Claim lines", exact=True).fill("64493-50, 99999-ZZZ")
    page.get_by_role("button", name="Check claim").click()
    alert = page.locator("#check-result [role=alert]")
    expect(alert).to_contain_text("Please fix the claim")
    expect(alert).to_contain_text("line 2")
    expect(alert.get_by_role("button", name="Retry")).to_have_count(0)

    page.get_by_label("Claim lines", exact=True).fill(" , \n ")
    page.get_by_role("button", name="Check claim").click()
    expect(alert).to_contain_text("at least one claim line")


# --------------------------------------------------------------------------- knowledge browser


def test_knowledge_browser_filters_and_renders_documents(page: Page, artifacts) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Knowledge").click()
    items = page.locator(".doc-item")
    expect(items.first).to_be_visible()
    total = items.count()
    assert total >= 5
    page.get_by_label("Filter documents").fill("64493")
    expect(page.locator('.doc-item[data-doc="facet-injections"]')).to_be_visible()
    assert 0 < items.count() < total
    page.locator('.doc-item[data-doc="facet-injections"]').click()
    reader = page.locator("#doc-reader")
    expect(reader.locator("h1")).to_contain_text("Facet")
    assert reader.locator(".doc-html h2").count() >= 2
    assert reader.locator(".doc-html table").count() >= 1
    assert reader.locator("script, iframe, img").count() == 0
    page.screenshot(path=str(artifacts / "knowledge.png"))

    page.get_by_role("button", name="Search passages").click()
    expect(page.locator("#docs-hits .hit").first).to_be_visible(timeout=60_000)


# --------------------------------------------------------------------------- security, layout, keyboard


def test_page_has_strict_csp_and_loads_nothing_external(page: Page, web_server) -> None:
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(web_server.url) else external.append(r.url))
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    page.wait_for_load_state("networkidle")
    assert external == []


def test_markdown_renderer_escapes_everything(page: Page) -> None:
    page.goto("/")
    html = page.evaluate(
        """() => {
            const box = document.createElement('div');
            box.appendChild(window.AdvisorUI.renderMarkdown(
              '**<img src=x onerror=alert(1)>** [1] `<b>` [x](javascript:alert(1))\\n\\n- <script>alert(2)</script>', null));
            return box.innerHTML;
        }"""
    )
    assert "<img" not in html and "<script" not in html and "javascript:" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;" in html
    clean = page.evaluate(
        """() => {
            const box = document.createElement('div');
            box.appendChild(window.AdvisorUI.sanitizeHtml(
              '<h2 onclick="x()">T</h2><script>alert(1)</script><a href="javascript:alert(1)">a</a>' +
              '<img src=x onerror=alert(1)><a href="https://www.cms.gov/">ok</a><iframe src="/"></iframe>'));
            return box.innerHTML;
        }"""
    )
    assert "<script" not in clean and "onclick" not in clean and "javascript:" not in clean
    assert "<img" not in clean and "<iframe" not in clean
    assert '<a href="https://www.cms.gov/" target="_blank" rel="noopener noreferrer">ok</a>' in clean
    # Chromium fires the parsed <img>'s onerror even in the inert parse document; the CSP blocks it (and the
    # element never reaches the page). Those expected blocks are the only violations allowed here.
    page.wait_for_timeout(200)
    assert all("inline event handler" in v for v in page.probe.csp), page.probe.csp
    page.probe.csp.clear()


def test_keyboard_only_flow(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#question")).to_be_focused()
    page.get_by_role("tab", name="Chat").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Quick check")).to_be_focused()
    expect(page.locator("#panel-check")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#panel-docs")).to_be_visible()
    page.keyboard.press("Home")
    expect(page.locator("#panel-chat")).to_be_visible()
    # Every form control has an accessible name.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
              .filter(e => e.offsetParent !== null)
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
              .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []


def test_phone_width_layout(phone_page: Page, web_server, artifacts) -> None:
    page = phone_page
    conv_id, _ = seed_conversation(web_server, "Phone test", ["Can I bill 25 with a scheduled MBB?"])
    page.goto(f"/#c/{conv_id}")
    expect(answers(page).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.locator("#sidebar")).to_be_hidden()
    page.screenshot(path=str(artifacts / "phone-chat.png"))
    page.get_by_role("button", name="History").click()
    expect(page.locator("#sidebar")).to_be_visible()
    page.screenshot(path=str(artifacts / "phone-history.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#sidebar")).to_be_hidden()
    answers(page).first.locator(".answer-body .chip:not(.missing)").first.click()
    expect(page.locator("#cite-panel")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts / "phone-citation.png"))
    page.get_by_role("button", name="Close source panel").click()
    page.get_by_role("tab", name="Quick check").click()
    page.get_by_label("Claim lines", exact=True).fill("20610-50")
    page.get_by_role("button", name="Check claim").click()
    expect(page.locator("#check-result .badge")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts / "phone-quick-check.png"))
