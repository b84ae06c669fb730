"""The page shows the guidance index's build on a fresh data dir (real model on ONNX Runtime, real Chromium): a
banner with the percentage while it builds, the rules engine's answer with its notice meanwhile, no banner after."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, _watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_banner_shows_the_build_and_answers_do_not_wait(browser: Any, live_server_factory: Any,
                                                         onnx_model_cache: Path, artifacts: Path) -> None:
    srv = live_server_factory(env={"ADVISOR_EMBEDDER": "onnx", "ADVISOR_MODEL_CACHE_DIR": str(onnx_model_cache)})
    srv.start(ready_path="/healthz")
    pages = _watched_page(browser, srv, DESKTOP)
    page = next(pages)
    page.goto("/")
    banner = page.locator("#index-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Guidance index building, (\d+%|loading the model)"))

    page.fill("#question", "Right L4-5 facet injection under fluoro, code?")
    page.press("#question", "Enter")
    answer = page.locator(".msg-answer[data-answer-id]").last
    expect(answer).to_be_visible(timeout=10_000)  # not held back by the build
    expect(answer.locator(".answer-notice")).to_contain_text(re.compile(r"Guidance index building, \d+%"))
    page.screenshot(path=str(artifacts / "index-building.png"))

    expect(banner).to_be_hidden(timeout=300_000)  # the page polls /healthz until the index is ready
    next(pages, None)  # closes the context and checks for page errors
