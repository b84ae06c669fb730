"""Liveness and the state of each dependency: 200 once the catalog is loaded and the app can answer checks.

`dependencies` shows what a multi-worker deployment rests on, each with a `state`: the database (conversations,
feedback and, with PostgreSQL, the imported CMS tables), the Chroma store (embedded, or a server), the guidance index
and the embedding model. The database and Chroma server are probed on each call with a short timeout (2 s), so a
load balancer or `docker compose` health check sees an outage; `status` is then "degraded" (still 200, so the
page and the health check can read which part is down).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from fastapi import APIRouter

from advisor import __version__
from advisor.api.deps import ServicesDep
from advisor.errors import AdvisorError
from advisor.services import Services
from advisor.settings import is_postgres

router = APIRouter(tags=["health"])
PROBE_TIMEOUT_S = 2.0
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="advisor-health")


def _probe(work: Any) -> dict[str, Any]:
    """Run one probe with the timeout; its failure becomes `{"state": "error", "error": ...}`."""
    future = _probes.submit(work)
    try:
        return {"state": "ok", **(future.result(timeout=PROBE_TIMEOUT_S) or {})}
    except FutureTimeout:
        return {"state": "error", "error": f"no answer within {PROBE_TIMEOUT_S:g} s"}
    except AdvisorError as exc:
        return {"state": "error", "error": exc.message}
    except Exception as exc:  # noqa: BLE001 - any driver error is reported, never raised
        return {"state": "error", "error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"}


def _database(services: Services) -> dict[str, Any]:
    from advisor.data.backend import redacted, rules_db

    settings = services.settings
    rules = rules_db(settings)
    if not (settings.database_url and is_postgres(settings.database_url)):
        # SQLite files in the data dir: no server that could be down; what matters is that the directory is writable
        # (and this costs no SQLAlchemy import or connection, so the default /healthz stays as fast as before)
        data_dir = Path(settings.data_dir)
        ok = os.access(data_dir, os.W_OK) if data_dir.exists() else os.access(data_dir.parent, os.W_OK)
        return {"state": "ok" if ok else "error", **({} if ok else {"error": f"{data_dir} is not writable"}),
                "kind": "sqlite", "where": str(data_dir), "rules_tables": rules.where,
                "rules_generation": rules.generation()}  # fmt: skip
    store = services.store

    def ping() -> dict[str, Any]:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"rules_generation": rules.generation()}

    return {**_probe(ping), "kind": "postgresql", "where": redacted(store.url), "rules_tables": rules.where}


def _chroma(services: Services) -> dict[str, Any]:
    url = services.settings.chroma_url
    if not url:
        return {"state": "ok", "kind": "embedded", "where": str(services.settings.data_dir / "chroma")}

    def heartbeat() -> None:
        import httpx

        httpx.get(f"{url.rstrip('/')}/api/v2/heartbeat", timeout=PROBE_TIMEOUT_S).raise_for_status()

    return {**_probe(heartbeat), "kind": "server", "where": url}


@router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, Any]:
    """`index` is idle | building | ready | error; `index_build` has the phase, chunks embedded and percent;
    `worker` is the answering process's id (`advisor serve --workers N` runs several); `dependencies` has the
    database, chroma, index and model, each with its `state`."""
    retrieval = services.retrieval
    build = retrieval.build_progress()
    if retrieval.error:
        build["error"] = retrieval.error
    index = {"state": retrieval.status, **({"error": retrieval.error} if retrieval.error else {})}
    deps = {"database": _database(services), "chroma": _chroma(services), "index": index,
            "model": retrieval.model()}  # fmt: skip
    try:
        catalog = services.catalog.version
    except AdvisorError as exc:  # the rules database cannot be read: reported, the page still loads
        catalog, deps["database"] = None, {**deps["database"], "state": "error", "error": exc.message}
    status = "degraded" if any(d["state"] == "error" for d in deps.values()) else "ok"
    return {"status": status, "version": __version__, "catalog": catalog, "index": retrieval.status,
            "index_build": build, "worker": os.getpid(), "dependencies": deps}  # fmt: skip
