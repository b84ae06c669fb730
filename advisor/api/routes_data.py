"""Admins: the official CMS tables (NCCI PTP, MUE, MPFS RVU) in the rules database, over HTTP, as `advisor data
status|import|remove` do on the command line. Every answer reads these tables, so only admins may change them."""

from __future__ import annotations

import re
import tempfile
from functools import partial
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from advisor.api.actor import log_access
from advisor.api.deps import ServicesDep
from advisor.api.limits import rate_limit
from advisor.data.db import FileReport, Loaded, import_paths, remove, status
from advisor.errors import DataError, InvalidInput
from advisor.store.access import as_token

router = APIRouter(prefix="/api", tags=["data"])
MAX_FILES = 10


class Removed(BaseModel):
    removed: list[str]


@router.get("/data", response_model=list[Loaded])
def data_status(services: ServicesDep) -> list[Loaded]:
    """The imported tables: version, effective date, parts, rows (as `advisor data status`)."""
    return status(services.settings.resolved_rules_db)


def _safe_name(name: str | None, n: int) -> str:
    """The upload's own file name (CMS versions are read from it), without any directory part."""
    base = Path((name or "").replace("\\", "/")).name.strip()
    if not base or base.startswith("."):
        raise InvalidInput(f"file {n + 1} has no usable file name; the CMS file name carries its version", "files")
    return base


@router.post("/data/import", response_model=list[FileReport], dependencies=[rate_limit("import")])
async def data_import(request: Request, services: ServicesDep) -> list[FileReport]:
    """Import CMS files sent as multipart fields named `files` (ccipra-*.zip, MCR_MUE_*.csv, PPRRVU*.csv...), in
    one transaction: a file that is not a CMS table is a 422 and nothing is imported."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 2)
    try:
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not uploads:
            raise InvalidInput("send the CMS files as multipart fields named 'files'", "files")
        with tempfile.TemporaryDirectory(prefix="advisor-import-") as tmp:
            paths = []
            for n, upload in enumerate(uploads):
                path = Path(tmp) / f"{n}" / _safe_name(upload.filename, n)
                path.parent.mkdir()
                with path.open("wb") as out:
                    while chunk := await upload.read(1024 * 1024):
                        out.write(chunk)
                paths.append(path)
            try:
                reports = await run_in_threadpool(import_paths, paths, services.settings.resolved_rules_db, False)
            except DataError as exc:
                raise DataError(_named(exc.message, tmp) or exc.message, _named(exc.where, tmp)) from None
    finally:
        await form.close()
    for r in reports:
        r.where = _named(r.where, tmp) or r.where
        await run_in_threadpool(partial(log_access, request, "data.import", as_token(f"{r.table} {r.part or ''}"),
                                        rows=r.rows, status=r.status))
    return reports


def _named(text: str | None, tmp: str) -> str | None:
    """`text` with the upload's own file name where it names the temporary copy."""
    return re.sub(re.escape(tmp) + r"/\d+/", "", text) if text else text


@router.delete("/data/{version}", response_model=Removed, dependencies=[rate_limit("import")])
def data_remove(version: str, services: ServicesDep, request: Request) -> Removed:
    """Unload every table whose version or label matches (as `advisor data remove`)."""
    removed = remove(services.settings.resolved_rules_db, version)
    for table in removed:
        log_access(request, "data.remove", as_token(table))
    return Removed(removed=removed)
