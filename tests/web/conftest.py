"""Browser tests: Playwright for Python driving Debian's Chromium (never `playwright install`) against a real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import apt_install

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DESKTOP = {"width": 1360, "height": 860}
PHONE = {"width": 375, "height": 780}


def ensure_chromium() -> None:
    """Install Debian's chromium with apt when it is missing (we run as root on the dev/CI machines)."""
    if CHROMIUM.exists():
        return
    apt_install("chromium")
    if not CHROMIUM.exists():
        pytest.fail("apt-get install chromium did not provide /usr/bin/chromium")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/: screenshots; ignored by git through its own .gitignore."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def web_server(session_server_factory):
    """One real app (create_app) on a temp data dir for all browser tests."""
    return session_server_factory().start()


class PageProbe:
    """Console errors, uncaught page errors and CSP violations seen while a test drove the page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.csp: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, msg) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.csp.append(text)
        elif msg.type == "error" and "Failed to load resource" not in text:
            self.errors.append(text)


def _new_page(browser, web_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=web_server.url, service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    probe = PageProbe()
    probe.attach(page)
    page.probe = probe  # type: ignore[attr-defined]
    return context, page, probe


def _watched_page(browser, web_server, size) -> Iterator[object]:  # noqa: ANN001
    """A fresh browser context at `size`; fails the test on a page error or a CSP violation."""
    context, pg, probe = _new_page(browser, web_server, size)
    yield pg
    context.close()
    assert not probe.csp, f"CSP violations: {probe.csp}"
    assert not probe.errors, f"page errors: {probe.errors}"


@pytest.fixture
def page(browser, web_server) -> Iterator[object]:
    """Desktop size."""
    yield from _watched_page(browser, web_server, DESKTOP)


@pytest.fixture
def phone_page(browser, web_server) -> Iterator[object]:
    """Phone width."""
    yield from _watched_page(browser, web_server, PHONE)


@pytest.fixture(scope="session")
def payment_server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """A real app whose rules database holds the MPFS RVU and GPCI fixtures (payment estimates, localities)."""
    from tests.data.cms_files import payment_data_dir

    return session_server_factory(data_dir=payment_data_dir(tmp_path_factory.mktemp("payment_web"))).start()


@pytest.fixture
def payment_page(browser, payment_server) -> Iterator[object]:
    """Desktop size, on the payment_server."""
    yield from _watched_page(browser, payment_server, DESKTOP)
