"""Liveness: 200 once the catalog is loaded and the app can answer checks; also how far the index build is."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter

from advisor import __version__
from advisor.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, Any]:
    """`index` is idle | building | ready | error; `index_build` has the phase, chunks embedded and percent;
    `worker` is the answering process's id (`advisor serve --workers N` runs several)."""
    retrieval = services.retrieval
    build = retrieval.build_progress()
    if retrieval.error:
        build["error"] = retrieval.error
    return {"status": "ok", "version": __version__, "catalog": services.catalog.version, "index": retrieval.status,
            "index_build": build, "worker": os.getpid()}  # fmt: skip
