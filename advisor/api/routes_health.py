"""Liveness: 200 once the catalog is loaded and the app can answer checks."""

from __future__ import annotations

from fastapi import APIRouter

from advisor import __version__
from advisor.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, str]:
    return {"status": "ok", "version": __version__, "catalog": services.catalog.version,
            "index": services.retrieval.status}  # fmt: skip
