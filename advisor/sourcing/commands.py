"""`advisor sources --check | --report`: which values rest on primary text, which only on secondary summaries."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Annotated, Any

import typer

from advisor.sourcing.audit import Audit, Value, Verified


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 1.0


def summary(audit: Audit, verified: list[Verified] | None = None) -> dict[str, Any]:
    """Coverage per catalog table and per document, the totals, the secondary-only values, the problems and the
    accuracy check's verdicts (knowledge/VERIFICATION.md)."""
    tables: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for v in audit.values:
        t = tables[v.table]
        t["values"] += 1
        t["primary_supported"] += audit.supported(v)
        t["citations"] += len(v.sources)
        t["primary_citations"] += sum(audit.primary_ids.get(s, False) for s in v.sources)
    out_tables = {name: {**t, "share": _share(t["primary_supported"], t["values"]),
                         "citation_share": _share(t["primary_citations"], t["citations"])}
                  for name, t in tables.items()}
    docs = [{"id": d.id, "citations": d.citations, "primary_citations": d.primary_citations,
             "citation_share": _share(d.primary_citations, d.citations), "primary_documents": list(d.primary_docs),
             "secondary_only": list(d.secondary_only)} for d in audit.docs]
    cat_cit = sum(t["citations"] for t in tables.values())
    cat_pri = sum(t["primary_citations"] for t in tables.values())
    doc_cit = sum(d.citations for d in audit.docs)
    doc_pri = sum(d.primary_citations for d in audit.docs)
    supported = sum(t["primary_supported"] for t in tables.values())
    totals = {"values": len(audit.values), "primary_supported": supported,
              "share": _share(supported, len(audit.values)),
              "catalog_citations": cat_cit, "catalog_primary_citations": cat_pri,
              "document_citations": doc_cit, "document_primary_citations": doc_pri,
              "citation_share": _share(cat_pri + doc_pri, cat_cit + doc_cit),
              "documents_with_primary": sum(bool(d.primary_docs) for d in audit.docs), "documents": len(audit.docs)}
    return {"tables": out_tables, "documents": docs, "totals": totals,
            "secondary_only": [_value_json(v) for v in audit.secondary_only()],
            "secondary_only_statements": [{"doc": d.id, "statement": s} for d in audit.docs for s in d.secondary_only],
            "problems": list(audit.problems),
            "verification": _verification([r for r in verified or [] if r.reader == "first"]),
            "second_reader": _verification([r for r in verified or [] if r.reader == "second"]),
            "third_reader": _verification([r for r in verified or [] if r.reader == "third"]),
            "fourth_reader": _verification([r for r in verified or [] if r.reader == "fourth"]),
            "independent": _verification([r for r in verified or [] if r.reader != "first"])}


def _verification(rows: list[Verified]) -> dict[str, Any]:
    """Verdict counts of one accuracy check as its verdicts were given, and the share correct of what primary text
    could settle (the first check fixed what it found the same day; the second reader's findings are fixed after)."""
    counts = {v: sum(r.verdict == v for r in rows) for v in ("correct", "wrong", "overstated", "unverifiable")}
    checkable = len(rows) - counts["unverifiable"]
    return {"claims": len(rows), **counts, "checkable": checkable,
            "correct_share_of_checkable": _share(counts["correct"], checkable) if checkable else None,
            "correct_share_of_checkable_after_fixes": _share(checkable, checkable) if checkable else None,
            "correct_share_of_all_after_fixes": _share(checkable, len(rows)) if rows else None}


def _value_json(v: Value) -> dict[str, Any]:
    return {"table": v.table, "key": v.key, "value": v.value, "confidence": v.confidence, "sources": list(v.sources)}


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def render_report(s: dict[str, Any]) -> str:
    t = s["totals"]
    out = ["Primary-source coverage",
           f"  values with primary support: {t['primary_supported']}/{t['values']} ({_pct(t['share']).strip()}); "
           f"citations primary: {_pct(t['citation_share']).strip()} (catalog {t['catalog_primary_citations']}/"
           f"{t['catalog_citations']}, documents {t['document_primary_citations']}/{t['document_citations']}); "
           f"documents naming a primary document: {t['documents_with_primary']}/{t['documents']}",
           "", f"  {'catalog table':<16}{'values':>7}{'primary':>9}{'share':>8}{'citations':>11}{'primary':>9}"]
    for name, row in sorted(s["tables"].items()):
        out.append(f"  {name:<16}{row['values']:>7}{row['primary_supported']:>9}{_pct(row['share']):>8}"
                   f"{row['citations']:>11}{_pct(row['citation_share']):>9}")
    out += ["", f"  {'knowledge document':<36}{'citations':>10}{'primary':>9}  primary documents"]
    for d in s["documents"]:
        out.append(f"  {d['id']:<36}{d['citations']:>10}{_pct(d['citation_share']):>9}  "
                   f"{', '.join(d['primary_documents']) or '-'}")
    out += ["", f"Values still secondary-only ({len(s['secondary_only'])}): marked in the data, said so in findings"]
    out += [f"  {v['table']} {v['key']} = {v['value']} [{v['confidence'] or 'rule'}] cites {', '.join(v['sources'])}"
            for v in s["secondary_only"]]
    v = s["verification"]
    if v["claims"]:
        out += ["", f"Accuracy check (knowledge/VERIFICATION.md): {v['claims']} claims; as first written "
                    f"{v['correct']} correct, {v['wrong']} wrong, {v['overstated']} overstated (fixed), "
                    f"{v['unverifiable']} unverifiable against primary text"]
    for key, name, note in (("second_reader", "Second", " (wrong and overstated since fixed)"),
                            ("third_reader", "Third", ""), ("fourth_reader", "Fourth", "")):
        r = s[key]
        if r["claims"]:
            out += [f"{name} reader (independent): {r['claims']} claims; {r['correct']} correct, {r['wrong']} wrong, "
                    f"{r['overstated']} overstated, {r['unverifiable']} unverifiable; correct of those primary text "
                    f"settles: {_pct(r['correct_share_of_checkable'] or 0).strip()}{note}"]
    if s["third_reader"]["claims"] or s["fourth_reader"]["claims"]:
        i = s["independent"]
        out += [f"Independent readers together: {i['claims']} claims, {i['checkable']} settled by primary text, "
                f"{i['correct']} of them correct as first read ({_pct(i['correct_share_of_checkable'] or 0).strip()})"]
    out += ["", f"Statements the documents mark secondary-only ({len(s['secondary_only_statements'])})"]
    out += [f"  {x['doc']}: {x['statement']}" for x in s["secondary_only_statements"]]
    return "\n".join(out)


def render_check(s: dict[str, Any]) -> str:
    out = [f"{len(s['secondary_only'])} values rest on secondary sources only (each marked secondary or "
           "unconfirmed in the data):"]
    out += [f"  {v['table']} {v['key']} [{v['confidence'] or 'rule'}]" for v in s["secondary_only"]]
    if s["problems"]:
        out += ["", f"{len(s['problems'])} problem(s):"] + [f"  {p}" for p in s["problems"]]
    else:
        out += ["", "ok: every value is primary-supported or marked, and nothing cites an unreliable source"]
    return "\n".join(out)


def sources_cmd(
    check: Annotated[bool, typer.Option("--check", help="List secondary-only values; exit 1 on a value marked "
                                        "confirmed without primary support, an unreliable citation, a rule without "
                                        "a primary source id or a document without a primary document.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Coverage per catalog table and per knowledge document, "
                                         "and the values still secondary-only (the default).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the coverage and problems as JSON.")] = False,
) -> None:
    """Where the catalog's values and the knowledge documents get their support: primary sources first."""
    from advisor.errors import AdvisorError
    from advisor.settings import get_settings
    from advisor.sourcing.audit import run_audit, verification_rows

    knowledge_dir = get_settings().knowledge_dir
    try:
        s = summary(run_audit(knowledge_dir), verification_rows(knowledge_dir))
    except AdvisorError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(s, indent=2))
    else:
        parts = ([render_report(s)] if report or not check else []) + ([render_check(s)] if check else [])
        typer.echo("\n\n".join(parts))
    if check and s["problems"]:
        raise typer.Exit(1)
