"""The app's retrieval backend: builds the index once (in the background at startup), then serves searches.

Kept apart from Services so the app can report progress (/healthz `index`, `index_build`, the server log) while
the first build runs, so answers need not wait for it (`searcher_if_ready`), and so a failed build (a broken
knowledge file) is retried on the next request instead of being cached.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError, IndexBuilding
from advisor.retrieval.buildlock import read_progress, write_progress
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.retrieval.search import Searcher

log = logging.getLogger("advisor.retrieval")

LOG_STEP = 10  # the server log prints the build's progress every this many percent


@dataclass
class BuildProgress:
    """Where a build is: `phase` loading the model | embedding | indexing | ready | error; chunks embedded so far."""

    phase: str = "idle"
    done: int = 0
    total: int = 0
    started: float = 0.0

    @property
    def percent(self) -> int:
        """Embedding is nearly all of a build's time, so it alone moves the percentage (100 only when ready)."""
        if self.phase == "ready":
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        elapsed = round(time.monotonic() - self.started, 1) if self.started else 0.0
        return {**{k: v for k, v in asdict(self).items() if k != "started"}, "percent": self.percent,
                "seconds": elapsed}  # fmt: skip


class RetrievalService:
    """Lazy holder of the Searcher; `status` is idle | building | ready | error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.status = "idle"
        self.error: str | None = None
        self.progress = BuildProgress()
        self.waiting = False  # another process (a sibling worker, a CLI) holds the build lock; see buildlock

    def searcher(self) -> Searcher:
        """The searcher, building or updating the index first if needed (blocks while a build runs)."""
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._searcher is None:
                from advisor.retrieval.search import Searcher

                self.status = "building"
                self.progress = BuildProgress("loading the model", started=time.monotonic())
                try:
                    self._searcher = Searcher.open(self.settings, progress=self._on_progress,
                                                   on_wait=self._on_wait)
                except AdvisorError as exc:
                    self._failed(exc.message)
                    raise
                except Exception as exc:
                    self._failed(f"{type(exc).__name__}: {exc}")
                    raise
                self.status, self.error, self.progress.phase, self.waiting = "ready", None, "ready", False
                log.info("guidance index ready: %d chunks (%.1f s)", self._searcher.size,
                         time.monotonic() - self.progress.started)  # fmt: skip
        return self._searcher

    def _failed(self, message: str) -> None:
        self.status, self.error, self.progress.phase, self.waiting = "error", message, "error", False

    def _on_wait(self) -> None:
        self.waiting, self.progress.phase = True, "waiting for another process's build"
        log.info("guidance index: another process is building it; waiting (answers come from the rules meanwhile)")

    def _on_progress(self, done: int, total: int) -> None:
        """Ingest's callback: chunks embedded so far; logs every LOG_STEP percent."""
        before = self.progress.percent
        self.progress.phase = "embedding" if done < total else "indexing"
        self.progress.done, self.progress.total = done, total
        self.waiting = False
        write_progress(self.settings, self.progress.as_dict())
        if self.progress.percent // LOG_STEP > before // LOG_STEP or done == total:
            log.info("guidance index building: %d%% (%d/%d chunks embedded)", 100 * done // max(1, total), done, total)

    def model(self) -> dict[str, Any]:
        """The embedding model: `loaded` once the searcher holds it (after the index check or build), with its id."""
        if self._searcher is None:
            return {"state": "loading" if self.status == "building" else self.status, "embedder":
                    self.settings.embedder}  # fmt: skip
        return {"state": "loaded", "embedder": self.settings.embedder, "id": self._searcher.embedder.model_id}

    def searcher_if_ready(self) -> Searcher | None:
        """The searcher, or None while a background build runs (answers go ahead without passages meanwhile).

        Without a background build (the CLI, the evaluation) this builds and waits, like `searcher()`."""
        if self._searcher is not None or not self.building_in_background:
            return self.searcher()
        return None

    @property
    def building_in_background(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def build_progress(self) -> dict[str, Any]:
        """How far the build is (phase, done, total, percent, seconds): this process's own, or, while it waits for
        another process's build, what that builder last published."""
        if self.waiting and (shared := read_progress(self.settings)) is not None:
            return {**shared, "builder": "another process"}
        return self.progress.as_dict()

    def notice(self) -> str | None:
        """What an answer tells the user while the index builds, e.g. 'Guidance index building, 40%; ...'."""
        if self._searcher is not None or not self.building_in_background:
            return None
        return (f"Guidance index building, {self.build_progress()['percent']}%: this answer comes from the rules "
                "engine; search citations will follow once the index is ready.")  # fmt: skip

    def building_error(self) -> IndexBuilding:
        """What /api/search answers while the index builds: how far it is and when to retry (estimated from the
        pace so far; 5 s before any chunk is embedded, at most 30 s)."""
        p = self.build_progress()
        done, total, seconds = int(p.get("done", 0)), int(p.get("total", 0)), float(p.get("seconds", 0.0))
        retry = 5 if not done or not total else max(1, min(30, round(seconds / done * (total - done))))
        chunks = f" ({done}/{total} chunks embedded)" if total else ""
        return IndexBuilding(f"Guidance index building, {p.get('percent', 0)}%{chunks}: search answers once it is "
                             f"ready; retry in {retry} s (GET /healthz shows the progress).", retry)  # fmt: skip

    def start_background(self) -> None:
        """Build the index in a daemon thread so startup (and /healthz) never waits for the model."""
        if self._searcher is not None or self.building_in_background:
            return
        self.status, self.progress = "building", BuildProgress("starting", started=time.monotonic())
        log.info("guidance index: checking / building in the background (answers come from the rules meanwhile)")

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
