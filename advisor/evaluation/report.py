"""Rendering an evaluation summary: plain text for the terminal, and a self-contained HTML report (inline SVG bar
chart per tag generated here; no JavaScript, no CDN; every piece of case text HTML-escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

KINDS_SHOWN = 15


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


# --- text ---------------------------------------------------------------------------------------------------------


def format_text(s: dict[str, Any]) -> str:
    b = s.get("baseline") or {}
    has_b = bool(b)
    out = [f"advisor eval — split {s.get('split', 'dev')}, engine {s['engine']}: {s['cases']} ask cases, "
           f"{s['checks']['cases']} check cases ({s.get('seconds', 0):.0f} s)", ""]
    const = s.get("constant_baseline") or {}
    if const:
        out += [f"constant baseline ({const['name']}): case accuracy {pct(const['accuracy'])}, verdict accuracy "
                f"{pct(const['verdict_accuracy'])}", ""]
    head = f"{'metric':<26}{'engine':>10}" + (f"{'baseline':>12}" if has_b else "")
    out.append(head)
    out.append("-" * len(head))
    rows = [("case accuracy", "accuracy"), ("verdict accuracy", "verdict_accuracy"),
            ("claim-line precision", "line_precision"), ("claim-line recall", "line_recall"),
            ("exact match", "exact_match"), ("citation hit rate", "citation_hit_rate")]
    for label, key in rows:
        out.append(f"{label:<26}{pct(s.get(key)):>10}" + (f"{pct(b.get(key)):>12}" if has_b else ""))
    lat, blat = s["latency_ms"], b.get("latency_ms") or {}
    out.append(f"{'latency p50 / p95':<26}{_ms(lat['p50']) + ' / ' + _ms(lat['p95']):>22}"
               + (f"   baseline {_ms(blat.get('p50'))} / {_ms(blat.get('p95'))}" if has_b else ""))
    out.append(f"{'passed':<26}{s['passed']:>10}" + (f"{b.get('passed', 0):>12}" if has_b else "")
               + f"   of {s['cases']}")
    c = s["checks"]
    out.append(f"{'check-case accuracy':<26}{pct(c['accuracy']):>10}   ({c['passed']}/{c['cases']}, rules engine)")
    if s.get("errors"):
        out.append(f"engine errors: {s['errors']}")
    out += ["", "per tag (cases: engine" + (" | baseline" if has_b else "") + ")"]
    for tag, acc in s["per_tag"].items():
        n = s["per_tag_cases"][tag]
        out.append(f"  {tag:<24}{n:>4}  {pct(acc):>7}" + (f" | {pct(b['per_tag'].get(tag)):>7}" if has_b else ""))
    if s.get("failure_kinds"):
        out += ["", f"most common failure kinds (top {KINDS_SHOWN})"]
        out += [f"  {k['count']:>4}  {k['kind']}" for k in s["failure_kinds"][:KINDS_SHOWN]]
    out += ["", f"failures ({len(s['failures'])})"]
    for f in s["failures"]:
        out.append(f"- {f['id']} [{', '.join(f['tags'])}]")
        out.append(f"    question: {f['question']}")
        out.append(f"    expected: {_expected_text(f['expected'])}")
        out.append(f"    got:      {_got_text(f['got'], f.get('error'))}")
        for p in f["problems"]:
            out.append(f"    ! {p}")
    out += ["", f"check failures ({len(c['failures'])})"]
    for f in c["failures"]:
        out.append(f"- {f['id']}: expected {_expected_text(f['expected'])}")
        out.append(f"    got {_got_text(f['got'], f.get('error'))}")
        for p in f["problems"]:
            out.append(f"    ! {p}")
    return "\n".join(out)


def _expected_text(e: dict[str, Any]) -> str:
    parts = []
    for key, value in e.items():
        parts.append(f"{key}={value if not isinstance(value, list) else '[' + ', '.join(map(str, value)) + ']'}")
    return "; ".join(parts)


def _got_text(g: dict[str, Any], error: str | None) -> str:
    if error:
        return f"ERROR {error}"
    parts = []
    for key, value in g.items():
        if key == "citations":
            value = f"{len(value)} citation(s)"
        parts.append(f"{key}={value if not isinstance(value, list) else '[' + ', '.join(map(str, value)) + ']'}")
    return "; ".join(parts)


# --- HTML ---------------------------------------------------------------------------------------------------------

BAR_H, GAP, LABEL_W, CHART_W = 12, 10, 190, 360
ENGINE_FILL, BASE_FILL = "#2f6db5", "#c9a227"


def tag_chart_svg(per_tag: dict[str, float | None], counts: dict[str, int],
                  baseline: dict[str, float | None] | None = None) -> str:
    """A horizontal bar chart: one row per tag, engine bar (and baseline bar under it), accuracy 0-100%."""
    tags = list(per_tag)
    row_h = BAR_H * (2 if baseline else 1) + GAP
    height = 30 + row_h * len(tags) + 10
    width = LABEL_W + CHART_W + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Accuracy per tag">',
             '<style>text{font:11px sans-serif;fill:#222}</style>']
    for p in (0, 25, 50, 75, 100):
        x = LABEL_W + CHART_W * p / 100
        parts.append(f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height - 8}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="12" text-anchor="middle">{p}%</text>')
    for i, tag in enumerate(tags):
        y = 24 + i * row_h
        label = f"{tag} ({counts.get(tag, 0)})"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 2}" text-anchor="end">{escape(label)}</text>')
        series = [(per_tag[tag], ENGINE_FILL)] + ([(baseline.get(tag), BASE_FILL)] if baseline else [])
        for j, (value, fill) in enumerate(series):
            v = value or 0.0
            w = CHART_W * v
            by = y + j * BAR_H
            parts.append(f'<rect x="{LABEL_W}" y="{by}" width="{w:.1f}" height="{BAR_H - 2}" fill="{fill}">'
                         f'<title>{escape(tag)}: {pct(value)}</title></rect>')
            parts.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{by + BAR_H - 3}">{escape(pct(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "<br>".join(escape(str(v)) for v in value) or "<em>none</em>"
    return escape("" if value is None else str(value))


def _kv_table(d: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{_cell(v)}</td></tr>" for k, v in d.items())
    return f'<table class="kv">{rows}</table>'


def _failure_rows(failures: list[dict[str, Any]], with_question: bool = True) -> str:
    rows = []
    for f in failures:
        got = {"error": f["error"]} if f.get("error") else f["got"]
        question = f"<div class=q>{escape(f.get('question') or '')}</div>" if with_question else ""
        rows.append(
            f"<tr><td><code>{escape(f['id'])}</code><div class=tags>{escape(', '.join(f['tags']))}</div>{question}</td>"
            f"<td>{_kv_table(f['expected'])}</td><td>{_kv_table(got)}</td>"
            f"<td><ul>{''.join(f'<li>{escape(p)}</li>' for p in f['problems'])}</ul></td></tr>"
        )
    head = "<tr><th>case</th><th>expected</th><th>got</th><th>problems</th></tr>"
    return f'<table class="fail">{head}{"".join(rows)}</table>' if rows else "<p>None.</p>"


def render_html(s: dict[str, Any]) -> str:
    b = s.get("baseline") or None
    metrics = [("Case accuracy", "accuracy"), ("Verdict accuracy", "verdict_accuracy"),
               ("Claim-line precision", "line_precision"), ("Claim-line recall", "line_recall"),
               ("Exact match", "exact_match"), ("Citation hit rate", "citation_hit_rate")]
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{pct(s.get(key))}</td>" + (f"<td>{pct(b.get(key))}</td>" if b else "")
        + "</tr>" for label, key in metrics)
    lat = s["latency_ms"]
    rows += (f"<tr><th>Latency p50 / p95</th><td>{_ms(lat['p50'])} / {_ms(lat['p95'])}</td>"
             + (f"<td>{_ms(b['latency_ms']['p50'])} / {_ms(b['latency_ms']['p95'])}</td>" if b else "") + "</tr>")
    rows += (f"<tr><th>Cases passed</th><td>{s['passed']} / {s['cases']}</td>"
             + (f"<td>{b['passed']} / {b['cases']}</td>" if b else "") + "</tr>")
    c = s["checks"]
    rows += f"<tr><th>Check cases (rules engine)</th><td>{pct(c['accuracy'])} ({c['passed']} / {c['cases']})</td>"
    rows += ("<td>—</td>" if b else "") + "</tr>"
    head = "<tr><th>Metric</th><th>Engine</th>" + ("<th>Retrieval-only baseline</th>" if b else "") + "</tr>"
    legend = (f'<p class=legend><span style="background:{ENGINE_FILL}"></span> engine ({escape(s["engine"])})'
              + (f' <span style="background:{BASE_FILL}"></span> retrieval-only baseline' if b else "") + "</p>")
    chart = tag_chart_svg(s["per_tag"], s["per_tag_cases"], b["per_tag"] if b else None)
    kinds = "".join(f"<tr><td>{k['count']}</td><td>{escape(k['kind'])}</td></tr>"
                    for k in s.get("failure_kinds", [])[:KINDS_SHOWN])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pain Coding Advisor — evaluation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}} th,td{{border:1px solid #ddd;padding:4px 8px;text-align:left;
vertical-align:top}} th{{background:#f5f5f5}}
table.kv th{{background:none;font-weight:600;border:0;padding:1px 6px 1px 0}}
table.kv td{{border:0;padding:1px 0}} .tags{{color:#666;font-size:12px}} .q{{max-width:28em;font-size:12px}}
.legend span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}}
code{{font-size:12px}}
</style></head><body>
<h1>Evaluation — engine {escape(s['engine'])}</h1>
<p>{s['cases']} ask cases, {c['cases']} claim-check cases, {s.get('seconds', 0):.0f} s.
The baseline answers from the top {3} retrieved passages without the rules engine.</p>
<h2>Summary</h2><table>{head}{rows}</table>
<h2>Accuracy per tag</h2>{legend}{chart}
<h2>Most common failure kinds</h2><table><tr><th>count</th><th>kind</th></tr>{kinds}</table>
<h2>Failures ({len(s['failures'])})</h2>{_failure_rows(s['failures'])}
<h2>Check-case failures ({len(c['failures'])})</h2>{_failure_rows(c['failures'], with_question=False)}
</body></html>
"""


__all__ = ["format_text", "render_html", "tag_chart_svg"]
