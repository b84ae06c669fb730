"""The audit report as one self-contained HTML page: summary first, inline SVG charts, then the drill-down tables.

No JavaScript, no external files, no inline style attributes: one <style> block allowed by its hash in the page's own
Content-Security-Policy (also sent as a header by the API). Every value from the upload is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from html import escape

from advisor.audit.atrisk import at_risk_text
from advisor.audit.patterns import PatternResult
from advisor.audit.service import AuditResult

MAX_FINDINGS = 2000
MAX_ROW_ERRORS = 500

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2733;margin:0;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d5dae1;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}.muted{color:#5b6777}.small{font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #d5dae1;border-radius:6px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card.bad b{color:#b42318}.card.warn b{color:#9a6700}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0;font-size:13px}
th,td{border:1px solid #d5dae1;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eef1f5}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.flag{background:#fde8e7;color:#b42318}.review{background:#fff4d6;color:#9a6700}.ok{background:#e3f4e8;color:#1a7f37}
.error{color:#b42318;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#5b6777}
section.pattern{background:#fff;border:1px solid #d5dae1;border-radius:6px;padding:4px 16px 12px;margin:14px 0}
details{margin:6px 0}summary{cursor:pointer;color:#0b5cad}
.charts{display:grid;grid-template-columns:1fr;gap:16px}
figure{margin:0;background:#fff;border:1px solid #d5dae1;border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}svg text{font:12px system-ui,sans-serif;fill:#1d2733}
.bar{fill:#3b82c4}.bar.over{fill:#c4423b}.limit{stroke:#1d2733;stroke-dasharray:4 3;stroke-width:1.5}
ul.refs{margin:4px 0 0 18px;padding:0;font-size:12px;color:#5b6777}
@media print{body{background:#fff}details{display:block}}
""".strip()


def csp_for_report() -> str:
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


# ---------------------------------------------------------------------------------------------------- charts
def bar_chart(items: list[tuple[str, float, str]], *, vmax: float, title: str, threshold: float | None = None,
              threshold_label: str = "", marks: list[float] | None = None) -> str:
    """Horizontal bars: (label, value, value text). `threshold` draws one dashed line; `marks` one tick per bar."""
    if not items:
        return f'<figure><figcaption>{e(title)}</figcaption><p class="muted">No data.</p></figure>'
    label_w, bar_w, row_h, top = 190, 520, 22, 8
    height = top + row_h * len(items) + (22 if threshold is not None else 8)
    width = label_w + bar_w + 90
    vmax = vmax or 1.0
    parts = [f'<svg role="img" aria-label="{e(title)}" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>']
    for i, (label, value, text) in enumerate(items):
        y = top + i * row_h
        w = max(0.0, min(1.0, value / vmax)) * bar_w
        mark = marks[i] if marks else None
        over = (threshold is not None and value > threshold) or (mark is not None and value > mark)
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{e(short)}</text>')
        parts.append(f'<rect class="bar{" over" if over else ""}" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
                     f'height="{row_h - 6}"><title>{e(label)}: {e(text)}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{e(text)}</text>')
        if mark is not None:
            mx = label_w + min(1.0, mark / vmax) * bar_w
            parts.append(f'<line class="limit" x1="{mx:.1f}" x2="{mx:.1f}" y1="{y + 1}" y2="{y + row_h - 1}"/>')
    if threshold is not None:
        tx = label_w + min(1.0, threshold / vmax) * bar_w
        bottom = top + row_h * len(items)
        parts.append(f'<line class="limit" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{bottom}"/>')
        parts.append(f'<text x="{tx:.1f}" y="{bottom + 15}" text-anchor="middle">{e(threshold_label)}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{e(title)}</figcaption>{''.join(parts)}</figure>"


def _pattern(result: AuditResult, pid: str) -> PatternResult | None:
    return next((p for p in result.patterns if p.id == pid), None)


def charts(result: AuditResult, threshold: float) -> str:
    out = []
    mod25 = _pattern(result, "MOD25-RATE")
    if mod25 is not None:
        rows = sorted(mod25.table, key=lambda r: -float(r["mod25_rate"]))[:25]
        out.append(bar_chart(
            [(str(r["provider"]), float(r["mod25_rate"]),
              f"{_pct(float(r['mod25_rate']))} of {r['injection_days']} days") for r in rows],
            vmax=1.0, title="Modifier 25 rate on injection days, by provider", threshold=threshold,
            threshold_label=f"threshold {threshold * 100:.0f}%"))
    by_rule = list(result.summary.findings_by_rule.items())[:20]
    out.append(bar_chart([(rule, float(n), f"{n:,}") for rule, n in by_rule],
                         vmax=float(max((n for _, n in by_rule), default=1)),
                         title="Findings by rule (errors and warnings)"))
    sessions = _pattern(result, "LCD-SESSIONS")
    if sessions is not None:
        rows = sessions.table[:20]
        out.append(bar_chart(
            [(f"{r['patient']} {str(r['family']).replace('_', ' ')} {str(r['region']).replace('_', '/')}",
              float(r["max_sessions_12m"]), f"{r['max_sessions_12m']} (limit {r['limit']})") for r in rows],
            vmax=float(max((max(float(r["max_sessions_12m"]), float(r["limit"])) for r in rows), default=1)),
            title="Sessions per patient and region in a rolling 12 months (top 20; dashed tick = LCD limit)",
            marks=[float(r["limit"]) for r in rows]))
    return '<div class="charts">' + "".join(out) + "</div>"


# ---------------------------------------------------------------------------------------------------- sections
def _card(label: str, value: str, cls: str = "") -> str:
    return f'<div class="card {cls}"><span class="muted">{e(label)}</span><b>{e(value)}</b></div>'


def summary_html(result: AuditResult) -> str:
    s = result.summary
    cards = [
        _card("Claims", f"{s.claims:,}"), _card("Claim lines", f"{s.lines:,}"),
        _card("Providers", f"{s.providers:,}"), _card("Patients", f"{s.patients:,}"),
        _card("Claims with errors", f"{s.claims_with_errors:,} ({_pct(s.error_rate)})",
              "bad" if s.claims_with_errors else ""),
        _card("Claims with warnings", f"{s.claims_with_warnings:,} ({_pct(s.warning_rate)})",
              "warn" if s.claims_with_warnings else ""),
        _card("Patterns flagged", f"{s.patterns_flagged} of {len(result.patterns)}",
              "bad" if s.patterns_flagged else ""),
        _card("Malformed rows", f"{s.malformed_rows:,}", "warn" if s.malformed_rows else ""),
    ]
    top = "".join(f"<li>{e(t)}</li>" for t in s.top_patterns) or "<li>No panel pattern flagged.</li>"
    period = f"{s.first_dos} to {s.last_dos}" if s.first_dos else "no valid dates"
    notes = "".join(f"<li>{e(n)}</li>" for n in s.notes)
    return (
        f'<div class="cards">{"".join(cards)}</div>'
        f"<p>Dates of service {e(period)}. Read as {e(s.encoding)}, delimiter {e(s.delimiter)}; "
        f"{s.rows:,} data rows. Catalog {e(s.catalog_version)}; audited in {s.seconds:.1f} s.</p>"
        f"<h3>Top patterns</h3><ol>{top}</ol>" + (f"<h3>Notes on the file</h3><ul>{notes}</ul>" if notes else "")
    )


def _claims_table(flag_claims: list, total: int) -> str:
    rows = "".join(
        f"<tr><td>{e(c.claim_id)}</td><td>{e(c.dos)}</td><td>{e(', '.join(map(str, c.lines)))}</td>"
        f"<td>{e(', '.join(c.codes))}</td></tr>" for c in flag_claims
    )
    more = (f'<p class="small muted">Showing {len(flag_claims)} of {total} claims; the findings CSV lists all.</p>'
            if total > len(flag_claims) else "")
    return ("<table><thead><tr><th>Claim</th><th>Date of service</th><th>File line(s)</th><th>Lines</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>{more}")


def pattern_html(p: PatternResult) -> str:
    status = (f'<span class="badge flag">{len(p.flags)} flagged</span>' if any(f.level == "flag" for f in p.flags)
              else '<span class="badge review">review</span>' if p.flags else '<span class="badge ok">none</span>')
    refs = "".join(f"<li>{e(r)}</li>" for r in p.references)
    flags = []
    for f in p.flags:
        numbers = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.numbers.items())
        flags.append(
            f'<h3>{e(f.subject)} <span class="badge {e(f.level)}">{e(f.level)}</span></h3><p>{e(f.message)}</p>'
            f'<p class="small muted">{e(numbers)}</p>'
            f"<details><summary>Claims behind this flag ({f.claims_total})</summary>"
            f"{_claims_table(f.claims, f.claims_total)}</details>"
        )
    return (
        f'<section class="pattern" id="p-{e(p.id)}"><h3>{e(p.title)} {status}</h3>'
        f"<p>{e(p.basis)}</p><p class=\"small\"><b>Flag when:</b> {e(p.threshold)}. "
        f"<span class=\"muted\">Checked: {p.checked:,}.</span></p>"
        + (f'<p class="at-risk"><b>{e(at_risk_text(p.at_risk))}</b></p>' if p.at_risk is not None else "")
        + f"<details><summary>Sources</summary><ul class=\"refs\">{refs}</ul></details>{''.join(flags)}</section>"
    )


def findings_html(result: AuditResult) -> str:
    shown = [f for f in result.findings if f.severity != "info"][:MAX_FINDINGS]
    n_info = result.summary.findings_by_severity.get("info", 0)
    rows = "".join(
        f"<tr><td>{e(f.claim_id)}</td><td>{e(f.dos)}</td><td>{e(f.provider)}</td>"
        f"<td>{e(', '.join(map(str, f.lines)))}</td><td>{e(f.rule)}</td><td class=\"{e(f.severity)}\">"
        f"{e(f.severity)}</td><td>{e(f.message)}</td></tr>" for f in shown
    )
    total = sum(1 for f in result.findings if f.severity != "info")
    more = (f"Showing {len(shown):,} of {total:,} errors and warnings. " if total > len(shown) else "")
    return (
        f'<p class="small muted">{more}{n_info:,} informational findings are in the findings CSV only.</p>'
        "<table><thead><tr><th>Claim</th><th>DOS</th><th>Provider</th><th>File line(s)</th><th>Rule</th>"
        f"<th>Severity</th><th>Message</th></tr></thead><tbody>{rows}</tbody></table>"
        if shown else f'<p>No errors or warnings on individual claims. {n_info:,} informational findings.</p>'
    )


def row_errors_html(result: AuditResult) -> str:
    if not result.row_errors:
        return "<p>Every row was read.</p>"
    shown = result.row_errors[:MAX_ROW_ERRORS]
    rows = "".join(f'<tr><td class="num">{r.line}</td><td>{e(r.reason)}</td></tr>' for r in shown)
    more = (f'<p class="small muted">Showing {len(shown)} of {len(result.row_errors)}.</p>'
            if len(result.row_errors) > len(shown) else "")
    return (f"<p>These rows were skipped; the rest of the file was audited.</p>{more}"
            f'<table><thead><tr><th class="num">Line</th><th>Problem</th></tr></thead><tbody>{rows}</tbody></table>')


def render_report(
    result: AuditResult, *, title: str = "Practice audit", mod25_threshold: float | None = None
) -> str:
    """The whole report page (UTF-8 HTML text)."""
    if mod25_threshold is None:
        mod25_threshold = result.options.mod25_threshold
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    patterns = sorted(result.patterns, key=lambda p: (not p.flagged, -len(p.flags)))
    body = (
        f"<h1>{e(title)}</h1><p class=\"muted small\">Generated {e(generated)} by Pain Coding Advisor. The uploaded "
        "file was processed in memory and not stored; this report contains pseudonymous patient ids from it. "
        "Flags are leads for review, not findings of improper payment.</p>"
        f"<h2>Summary</h2>{summary_html(result)}"
        f"<h2>Charts</h2>{charts(result, mod25_threshold)}"
        f"<h2>Panel patterns</h2>{''.join(pattern_html(p) for p in patterns)}"
        f"<h2>Findings on individual claims</h2>{findings_html(result)}"
        f"<h2>Rows that could not be read</h2>{row_errors_html(result)}"
    )
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp_for_report())}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>"
    )
