"""The app's retrieval backend: builds the index once (in the background at startup), then serves searches.

Kept apart from Services so the app can report progress (/healthz `index`) while the first build runs,
and so a failed build (a broken knowledge file) is retried on the next request instead of being cached.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from advisor.errors import AdvisorError
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.retrieval.search import Searcher

log = logging.getLogger("advisor.retrieval")


class RetrievalService:
    """Lazy holder of the Searcher; `status` is idle | building | ready | error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.status = "idle"
        self.error: str | None = None

    def searcher(self) -> Searcher:
        """The searcher, building or updating the index first if needed (blocks while a build runs)."""
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._searcher is None:
                from advisor.retrieval.search import Searcher

                self.status = "building"
                try:
                    self._searcher = Searcher.open(self.settings)
                except AdvisorError as exc:
                    self.status, self.error = "error", exc.message
                    raise
                except Exception as exc:
                    self.status, self.error = "error", f"{type(exc).__name__}: {exc}"
                    raise
                self.status, self.error = "ready", None
        return self._searcher

    def start_background(self) -> None:
        """Build the index in a daemon thread so startup (and /healthz) never waits for the model."""
        if self._searcher is not None or (self._thread is not None and self._thread.is_alive()):
            return
        self.status = "building"

        def run() -> None:
            try:
                self.searcher()
            except Exception as exc:  # noqa: BLE001 - reported through status; requests retry the build
                log.error("building the retrieval index failed: %s", getattr(exc, "message", type(exc).__name__))

        self._thread = threading.Thread(target=run, name="advisor-index", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """For tests and benchmarks: wait for a background build; True if the searcher is ready."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._searcher is not None
