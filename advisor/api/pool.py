"""Bounded pools for heavy work (answers, audits): a fixed number of worker threads and a bounded queue in front of
them. When both are full the request is a 503 with Retry-After at once, instead of every request slowing down
together and the server's default thread pool (which /healthz and /api/check use) running dry.

Work handed to a pool gets a `Cancel` token. When the client goes away (a stream closed, a request abandoned while
queued or running) the token is set; queued work is then skipped, and running work stops at its next checkpoint
(`Cancel.check`, called from the answer pipeline's stage events).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Annotated, TypeVar

from fastapi import Depends
from starlette.requests import Request

from advisor.errors import Unavailable

T = TypeVar("T")


class Busy(Unavailable):
    """Every worker is busy and the queue is full: retry after `retry_after` seconds."""


class Cancelled(Exception):
    """The client went away; the work stops here."""


class Cancel:
    """Set when the client has gone; `check()` raises Cancelled from inside the work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled


class WorkPool:
    """`workers` threads and at most `queue` jobs waiting. `in_flight` is only touched on the event loop."""

    def __init__(self, name: str, workers: int, queue: int) -> None:
        self.name, self.workers, self.capacity = name, workers, workers + queue
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{name}-pool")
        self.in_flight = 0
        self._seconds = 0.5  # moving average of one job's wall time, for Retry-After

    def retry_after(self) -> int:
        return max(1, math.ceil(self._seconds * self.in_flight / self.workers))

    def admit(self) -> None:
        """Take a place or raise Busy (503)."""
        if self.in_flight >= self.capacity:
            raise Busy(f"the server is busy with {self.in_flight} {self.name} requests; retry in a moment",
                       self.retry_after())
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1

    def _timed(self, fn: Callable[[], T], cancel: Cancel) -> T:
        cancel.check()  # the client left while this waited in the queue
        started = time.perf_counter()
        try:
            return fn()
        finally:
            self._seconds = 0.8 * self._seconds + 0.2 * (time.perf_counter() - started)

    def start(self, fn: Callable[[], T], cancel: Cancel) -> Future[T]:
        """Hand admitted work to a worker; its place is given back when the work ends (not when the client goes)."""
        loop = asyncio.get_running_loop()
        future = self.executor.submit(self._timed, fn, cancel)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self.release))
        return future

    async def run(self, fn: Callable[[], T], cancel: Cancel, request: Request | None = None) -> T:
        """admit(), run `fn` on a worker and wait; with `request`, a client that disconnects meanwhile sets `cancel`."""
        self.admit()
        future = asyncio.wrap_future(self.start(fn, cancel))
        if request is None:
            return await future
        watcher = asyncio.ensure_future(_watch_disconnect(request, cancel))
        try:
            return await future
        finally:
            watcher.cancel()

async def _watch_disconnect(request: Request, cancel: Cancel) -> None:
    """Poll for the client going away while its work runs (a JSON request is not read again after its body)."""
    while not cancel.is_set:
        if await request.is_disconnected():
            cancel.set()
            return
        await asyncio.sleep(0.1)


class Pools:
    """The app's pools: answers (ask, stream, correct) and audits, sized by ADVISOR_ANSWER_* and ADVISOR_AUDIT_*."""

    def __init__(self, answer_workers: int, answer_queue: int, audit_workers: int, audit_queue: int) -> None:
        self.answers = WorkPool("answer", answer_workers, answer_queue)
        self.audits = WorkPool("audit", audit_workers, audit_queue)


def get_pools(request: Request) -> Pools:
    return request.app.state.pools


PoolsDep = Annotated[Pools, Depends(get_pools)]
