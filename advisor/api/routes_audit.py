"""POST /api/audit: upload a claim-line CSV (multipart field `file`); JSON summary, patterns and findings, or the
HTML report with `?format=html`. The upload is read into memory, audited and dropped; nothing is stored."""

from __future__ import annotations

from functools import partial
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import UploadFile  # what request.form() holds (FastAPI's UploadFile subclasses it)

from advisor.api.actor import log_access
from advisor.api.deps import ServicesDep
from advisor.api.limits import rate_limit
from advisor.api.pool import Cancel, PoolsDep
from advisor.audit.csv_input import UploadTooLarge, map_claim_type
from advisor.errors import InvalidInput

router = APIRouter(prefix="/api", tags=["audit"])
MAX_FINDINGS_JSON = 5000
MAX_ROW_ERRORS_JSON = 5000


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"the file is larger than the {limit:,}-byte upload limit", "file")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/audit", response_model=None, dependencies=[rate_limit("audit")])
async def post_audit(
    request: Request,
    services: ServicesDep,
    pools: PoolsDep,
    format: Literal["json", "html"] = Query("json", description="json (default) or html (the report page)."),
    max_findings: int = Query(MAX_FINDINGS_JSON, ge=0, le=1_000_000),
) -> Response:
    """Audit a CSV export of claim lines (one row per line); see the audit README for the columns. Optional form
    fields: `claim_type` (professional | asc | hospital_outpatient, where the file has no claim type column) and
    `mac` (J15, JE, CGS, OH..., where it has no mac column)."""
    from advisor.audit.service import run_audit

    settings = services.settings
    form = await request.form(max_files=1, max_fields=5)  # the body is capped while read (app.py, api/edge.py)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("send the CSV as a multipart form field named 'file'", "file")
    kind_text, mac = (form.get(k) for k in ("claim_type", "mac"))
    try:
        kind = map_claim_type(kind_text if isinstance(kind_text, str) else "")
    except ValueError as exc:
        raise InvalidInput(f"claim_type: {exc}", "claim_type") from None
    try:
        data = await _read_limited(upload, settings.max_upload_bytes)
    finally:
        await form.close()
    audit = partial(run_audit, data, settings, catalog=services.catalog, claim_type=kind,
                    mac=mac if isinstance(mac, str) else None)
    result = await pools.audits.run(audit, Cancel(), request)
    del data
    await run_in_threadpool(log_access, request, "audit.run", format=format, rows=result.summary.rows,
                            claims=result.summary.claims, findings=len(result.findings))
    if format == "html":
        from advisor.audit.report import csp_for_report, render_report

        name = upload.filename or "upload.csv"
        html = render_report(result, title=f"Practice audit: {name}")
        return HTMLResponse(html, headers={"Content-Security-Policy": csp_for_report(), "Cache-Control": "no-store"})
    # Cut before serialising: a large file has hundreds of thousands of findings (and maybe row errors).
    shown = result.model_copy(update={"findings": result.findings[:max_findings],
                                      "row_errors": result.row_errors[:MAX_ROW_ERRORS_JSON]})
    body = shown.model_dump(mode="json")
    body["findings_total"] = len(result.findings)
    body["findings_truncated"] = len(result.findings) > max_findings
    body["row_errors_total"] = len(result.row_errors)
    body["row_errors_truncated"] = len(result.row_errors) > MAX_ROW_ERRORS_JSON
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
