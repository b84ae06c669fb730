"""`run_audit(bytes | path, settings) -> AuditResult`: read the CSV, check every claim, find the panel patterns.

Everything happens in memory: the uploaded bytes and the parsed rows are dropped when the call returns; nothing is
written unless the caller saves the report or the findings CSV.
"""

from __future__ import annotations

import csv
import gc
import io
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from advisor.audit.atrisk import at_risk_text, price_patterns
from advisor.audit.csv_input import ParsedFile, RowError, read_csv
from advisor.audit.patterns import AuditOptions, Claim, PatternResult, run_patterns
from advisor.claims import MAX_LINES
from advisor.errors import InvalidInput
from advisor.rules.catalog import Catalog
from advisor.rules.engine import check
from advisor.rules.jurisdiction import resolve_mac
from advisor.rules.model import CheckResult, ClaimType, Facts, Payer, Severity
from advisor.services import build_catalog
from advisor.settings import Settings, get_settings
from advisor.spreadsheet import safe_cell

_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(slots=True)
class AuditFinding:
    """One engine finding on one claim, tied back to the file's line numbers. A slotted dataclass, not a model:
    a large file has hundreds of thousands of these (about a fifth of a model's memory each); pydantic still
    serialises them inside AuditResult."""

    claim_id: str
    dos: date
    patient_id: str
    provider: str
    payer: str
    lines: list[int]
    codes: list[str]
    rule: str
    severity: Severity
    message: str
    confidence: str


class RowProblem(BaseModel):
    line: int
    reason: str


class AuditSummary(BaseModel):
    rows: int = Field(description="Data rows in the file (blank rows skipped).")
    lines: int = Field(description="Valid claim lines audited.")
    malformed_rows: int
    claims: int
    providers: int
    patients: int
    first_dos: date | None = None
    last_dos: date | None = None
    claims_with_errors: int
    claims_with_warnings: int
    error_rate: float = Field(description="Share of claims with at least one error finding.")
    warning_rate: float
    findings_by_rule: dict[str, int]
    findings_by_severity: dict[str, int]
    patterns_flagged: int
    top_patterns: list[str] = Field(description="Flagged pattern titles, most flags first.")
    columns: dict[str, str] = Field(description="Which header was read as which column.")
    delimiter: str
    encoding: str
    notes: list[str] = Field(default_factory=list)
    catalog_version: str
    seconds: float


class AuditResult(BaseModel):
    summary: AuditSummary
    options: AuditOptions = Field(default_factory=AuditOptions, description="The thresholds this audit used.")
    patterns: list[PatternResult]
    findings: list[AuditFinding]
    row_errors: list[RowProblem]


def group_claims(parsed: ParsedFile, max_lines: int = MAX_LINES) -> list[Claim]:
    """Rows grouped by (claim id, date of service), in file order. A claim over `max_lines` lines (the API's limit
    for one check) is not audited: each of its rows becomes a row error saying so, rather than a silent cut."""
    claims: dict[tuple[str, date], Claim] = {}
    for row in parsed.rows:
        key = (row.claim_id, row.dos)
        claim = claims.get(key)
        if claim is None:
            claims[key] = Claim(row.claim_id, row.dos, [row])
        else:
            claim.rows.append(row)
    over = [c for c in claims.values() if len(c.rows) > max_lines]
    if not over:
        return list(claims.values())
    for claim in over:
        reason = (f"claim {claim.claim_id} on {claim.dos.isoformat()} has {len(claim.rows):,} lines, over the "
                  f"{max_lines}-line limit of one check: the claim was not audited; split it or correct its claim id")
        parsed.errors.extend(RowError(r.line, reason) for r in claim.rows)
    parsed.errors.sort(key=lambda e: e.line)
    kept = [c for c in claims.values() if len(c.rows) <= max_lines]
    parsed.rows = [r for c in kept for r in c.rows]
    return kept


# The engine is pure, and the date of service reaches it only through the dated LCD variants (jurisdictions.yaml):
# with the curated tables, identical claims (same lines, payer, claim type, MAC) on dates between the same revision
# dates get identical findings, so the memo key holds the revision epoch, not the date. Imported CMS tables are dated
# (catalog.dated), and then the date itself joins the key. tests/audit/test_service_report_cli.py checks the
# assumption; if a rule starts reading the date otherwise, set this to True.
ENGINE_USES_DATE = False


def check_claims(claims: list[Claim], catalog: Catalog) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
    facts_cache: dict[tuple[str, str, str | None, date], Facts] = {}
    memo: dict[tuple, CheckResult] = {}
    epochs: dict[date, int] = {}
    for claim in claims:
        first = claim.rows[0]
        key = (first.payer.value, first.claim_type.value, first.mac, claim.dos)
        facts = facts_cache.get(key)
        if facts is None:
            facts = facts_cache[key] = Facts(payer=first.payer, claim_type=first.claim_type, mac=first.mac,
                                             date_of_service=claim.dos)
        lines = tuple(r.claim_line for r in claim.rows)
        epoch = epochs.get(claim.dos)
        if epoch is None:
            epoch = epochs[claim.dos] = catalog.jurisdictions.epoch(claim.dos)
        memo_key = (lines, first.payer, first.claim_type, first.mac,
                    claim.dos if ENGINE_USES_DATE or catalog.dated else epoch)
        result = memo.get(memo_key)
        if result is None:
            result = memo[memo_key] = check(list(lines), facts, catalog)
        if not result.findings:
            continue
        by_code: dict[str, list[int]] = defaultdict(list)  # the join of findings and rows, linear in both
        for r in claim.rows:
            by_code[r.code].append(r.line)
        every = [r.line for r in claim.rows]
        numbers_of: dict[tuple[str, ...], list[int]] = {}
        for f in result.findings:
            key_codes = tuple(f.codes)
            numbers = numbers_of.get(key_codes)
            if numbers is None:
                numbers = numbers_of[key_codes] = sorted(n for c in key_codes for n in by_code.get(c, ())) or every
            findings.append(AuditFinding(
                claim.claim_id, claim.dos, first.patient_id, first.provider, first.payer.value, numbers, f.codes,
                f.rule, f.severity, f.message, f.confidence,
            ))
    return findings


def resolve_audit_mac(mac: str | None) -> str | None:
    """The file's MAC option as a jurisdiction (InvalidInput naming the accepted values); None: ADVISOR_MAC."""
    if mac is None or not mac.strip():
        return None
    try:
        return resolve_mac(mac)
    except ValueError as exc:
        raise InvalidInput(f"mac: {exc}", "mac") from None


def _mac_note(parsed: ParsedFile, catalog: Catalog) -> str:
    """Which MAC's LCD values the Medicare claims were checked against, stated in the summary."""
    table = catalog.jurisdictions
    used = sorted({r.mac or catalog.default_mac or "" for r in parsed.rows})
    named = [table.mac(j).label for j in used if j]
    if not named:
        return ("Medicare LCD rules: no MAC given (--mac, a mac column or ADVISOR_MAC), so the values the "
                "jurisdictions share apply and findings name where one differs")
    return "Medicare LCD rules of " + ", ".join(named) + (" (and the shared values where none is given)"
                                                           if "" in used else "")


def options_from(settings: Settings) -> AuditOptions:
    values = {k: getattr(settings, f"audit_{k}") for k in AuditOptions.model_fields if hasattr(settings, f"audit_{k}")}
    return AuditOptions(**values)


def run_audit(
    source: bytes | str | Path,
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    options: AuditOptions | None = None,
    claim_type: ClaimType = ClaimType.PROFESSIONAL,
    mac: str | None = None,
) -> AuditResult:
    """Audit a claim-line export. Raises AdvisorError for a file that cannot be audited at all. `claim_type` is the
    file's claim type where it has no claim type column (professional: a physician's export, whatever the POS);
    `mac` the file's MAC jurisdiction where it has no mac column (else ADVISOR_MAC)."""
    # Many small objects, no reference cycles: pausing the cyclic GC avoids repeated full collections on big files.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_audit(source, settings, catalog, options, claim_type, mac)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run_audit(
    source: bytes | str | Path, settings: Settings | None, catalog: Catalog | None, options: AuditOptions | None,
    claim_type: ClaimType, mac: str | None,
) -> AuditResult:
    started = time.perf_counter()
    settings = settings or get_settings()
    catalog = catalog or build_catalog(settings)
    options = options or options_from(settings)
    parsed = read_csv(source, max_bytes=settings.max_upload_bytes, default_payer=Payer(settings.default_payer),
                      name=Path(source).name if isinstance(source, (str, Path)) else "file", claim_type=claim_type,
                      mac=resolve_audit_mac(mac))
    claims = group_claims(parsed)
    parsed.notes.append(_mac_note(parsed, catalog))
    findings = check_claims(claims, catalog)
    patterns = run_patterns(claims, catalog, options)
    price_patterns(patterns, catalog, settings.conversion_factor)

    worst: dict[tuple[str, date], int] = {}
    for f in findings:
        key = (f.claim_id, f.dos)
        worst[key] = min(worst.get(key, 9), _RANK[f.severity])
    n_claims = len(claims)
    with_errors = sum(1 for v in worst.values() if v == 0)
    with_warnings = sum(1 for v in worst.values() if v == 1)
    flagged = sorted((p for p in patterns if p.flagged), key=lambda p: -len(p.flags))
    dates = [c.dos for c in claims]
    findings.sort(key=lambda f: (_RANK[f.severity], f.dos, f.claim_id, f.lines[:1]))
    summary = AuditSummary(
        rows=parsed.data_rows, lines=len(parsed.rows), malformed_rows=len(parsed.errors), claims=n_claims,
        providers=len({c.provider for c in claims}), patients=len({c.patient_id for c in claims}),
        first_dos=min(dates) if dates else None, last_dos=max(dates) if dates else None,
        claims_with_errors=with_errors, claims_with_warnings=with_warnings,
        error_rate=round(with_errors / n_claims, 4) if n_claims else 0.0,
        warning_rate=round(with_warnings / n_claims, 4) if n_claims else 0.0,
        findings_by_rule=dict(Counter(f.rule for f in findings if f.severity != "info").most_common()),
        findings_by_severity={s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")},
        patterns_flagged=len(flagged),
        top_patterns=[f"{p.title} ({len(p.flags)})" for p in flagged],
        columns=parsed.columns, delimiter={"\t": "tab"}.get(parsed.delimiter, parsed.delimiter),
        encoding=parsed.encoding, notes=parsed.notes, catalog_version=catalog.version,
        seconds=round(time.perf_counter() - started, 3),
    )
    return AuditResult.model_construct(  # every part built and typed above; validating 10^6 findings again costs
        summary=summary, options=options, patterns=patterns, findings=findings,
        row_errors=[RowProblem.model_construct(line=e.line, reason=e.reason) for e in parsed.errors],
    )


FINDINGS_COLUMNS = ("claim_id", "dos", "patient_id", "provider", "payer", "lines", "codes", "rule", "severity",
                    "confidence", "message")


def findings_csv(result: AuditResult) -> str:
    """The findings as CSV text: one row per finding (claim, file line numbers, rule, severity, message)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FINDINGS_COLUMNS)
    for f in result.findings:
        writer.writerow([safe_cell(f.claim_id), f.dos.isoformat(), safe_cell(f.patient_id), safe_cell(f.provider),
                         f.payer,
                         " ".join(map(str, f.lines)), " ".join(f.codes), f.rule, f.severity, f.confidence,
                         f.message])
    for e in result.row_errors:
        writer.writerow(["", "", "", "", "", e.line, "", "MALFORMED-ROW", "error", "", e.reason])
    for p in result.patterns:  # only with the MPFS RVU file imported
        if p.at_risk is not None:
            writer.writerow(["", "", "", "", "", "", "", f"PATTERN-{p.id}", "info", "estimate",
                             f"{p.title}: {at_risk_text(p.at_risk)}"])
    return out.getvalue()
