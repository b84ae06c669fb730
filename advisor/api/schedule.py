"""The scheduled task inside `advisor serve`: retention (and the purge of spent rate-limit counters) at start and then
every ADVISOR_RETENTION_INTERVAL_S. Every worker runs this loop; a lease in the database lets one of them do the work
per interval (advisor/store/retention.py), so several workers neither delete twice nor get in each other's way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from advisor.services import Services
from advisor.store.retention import scheduled_run

log = logging.getLogger("advisor.retention")


async def _loop(services: Services) -> None:
    settings = services.settings
    while True:
        try:
            await asyncio.to_thread(scheduled_run, services.store, services.access, settings.retention_days,
                                    settings.retention_interval_s)
        except Exception as exc:  # noqa: BLE001 - logged (type only); the next tick tries again
            log.error("the retention task failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.retention_interval_s)


@asynccontextmanager
async def schedule_lifespan(services: Services) -> AsyncIterator[None]:
    """Run the schedule in the background for the app's lifetime (start-up does not wait for it)."""
    task = asyncio.create_task(_loop(services))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
