"""`advisor code`, `advisor pair`, `advisor modifiers`: the encoder view in a terminal (exit 2 on bad input)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from advisor.encoder.model import CodeDetail, Origin, PairLookup, Units
from advisor.encoder.payment import PaymentEstimate
from advisor.errors import AdvisorError

DateOption = Annotated[str | None, typer.Option("--date", help="Date of service, 2026-03-14 or 03/14/2026 (default "
                                                               "today).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    from advisor.dates import parse_date

    try:
        return parse_date(text, "--date")
    except ValueError as exc:
        _fail(str(exc))
    return None


def _origin(origin: Origin | None) -> str:
    if origin is None:
        return ""
    if origin.kind == "imported":
        return f"[{origin.table}]"
    if origin.kind == "setting":
        return f"[setting {origin.table}]"
    return f"[curated, {origin.confidence}: {', '.join(s.id for s in origin.sources)}]"


def code_cmd(code: Annotated[str, typer.Argument(help="A CPT/HCPCS code, e.g. 64493.")],
             on: DateOption = None, as_json: JsonOption = False) -> None:
    """Everything the advisor holds about one code: indicators, MUE, PTP pairs, LCD rules, guidance."""
    from advisor.encoder.codes import code_detail
    from advisor.services import build_catalog
    from advisor.settings import get_settings

    settings = get_settings()
    try:
        detail = code_detail(code, build_catalog(settings), _day(on), settings.knowledge_dir)
    except AdvisorError as exc:
        _fail(exc.message)
        return
    typer.echo(detail.model_dump_json(indent=2) if as_json else render_code(detail))


def pair_cmd(a: Annotated[str, typer.Argument(help="First code.")], b: Annotated[str, typer.Argument(help="Second.")],
             on: DateOption = None, as_json: JsonOption = False) -> None:
    """The NCCI PTP edit between two codes: column 1, modifier indicator, what bypasses it and what does not."""
    from advisor.encoder.pairs import pair
    from advisor.services import build_catalog
    from advisor.settings import get_settings

    try:
        found = pair(a, b, build_catalog(get_settings()), _day(on))
    except AdvisorError as exc:
        _fail(exc.message)
        return
    typer.echo(found.model_dump_json(indent=2) if as_json else render_pair(found))


def modifiers_cmd(as_json: JsonOption = False) -> None:
    """Every modifier a claim line may carry, with what it means."""
    from advisor.encoder.codes import modifier_list
    from advisor.services import build_catalog
    from advisor.settings import get_settings

    mods = modifier_list(build_catalog(get_settings()))
    if as_json:
        typer.echo(json.dumps([m.model_dump() for m in mods], indent=2))
        return
    for m in mods:
        typer.echo(f"{m.mod}  {m.group:<11} {m.means}")


def estimate_cmd(lines: Annotated[list[str], typer.Argument(help="Claim lines, e.g. 64493-50 64494-50 20552.")],
                 on: DateOption = None, as_json: JsonOption = False,
                 locality: Annotated[str | None, typer.Option(
                     "--locality", help="Medicare locality: MAC-locality (01182-18), state and locality (CA-18) or "
                                        "a unique part of its name; needs the imported GPCI file.")] = None) -> None:
    """Estimate what the claim pays: Medicare allowed amounts, facility and non-facility, national or for a locality
    (needs the imported MPFS RVU file, and the GPCI file for a locality)."""
    from advisor.claims import coerce_lines, join_unit_args
    from advisor.encoder.payment import estimate
    from advisor.services import build_catalog
    from advisor.settings import get_settings

    settings = get_settings()
    try:
        found = estimate(coerce_lines(join_unit_args(lines)), build_catalog(settings), _day(on),
                         settings.conversion_factor, locality)
    except AdvisorError as exc:
        _fail(exc.message)
        return
    typer.echo(found.model_dump_json(indent=2) if as_json else render_estimate(found))


def render_estimate(found: PaymentEstimate) -> str:
    """The estimate as text: its label, conversion factor, locality and GPCIs, each line, the total, notices (the
    `advisor estimate` output, and the estimate under an `advisor ask` answer)."""
    out = [found.label, f"conversion factor {found.conversion_factor} {_origin(found.conversion_factor_origin)}"]
    if found.locality is not None:
        place = found.locality
        out.append(f"locality {place.key} {place.state} {place.name}: GPCI work {place.pw_gpci}, PE {place.pe_gpci}, "
                   f"MP {place.mp_gpci} {_origin(place.origin)}")
    for ln in found.lines:
        money = (f"non-facility ${ln.non_facility:,.2f}  facility ${ln.facility:,.2f}"
                 if ln.non_facility is not None and ln.facility is not None else "not priced")
        out.append(f"  {ln.line:<14} {money}  ({'; '.join(ln.adjustments)})")
    out.append(f"total: non-facility ${found.total_non_facility:,.2f}, facility ${found.total_facility:,.2f}")
    out += [f"note: {note}" for note in found.notices]
    return "\n".join(out)


def localities_cmd(on: DateOption = None, as_json: JsonOption = False) -> None:
    """The Medicare localities of the imported GPCI file: what `--locality` (and the API's `locality`) accepts."""
    from advisor.encoder.localities import list_localities
    from advisor.services import build_catalog
    from advisor.settings import get_settings

    found = list_localities(build_catalog(get_settings()), _day(on))
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    if found.notice:
        typer.echo(found.notice)
    if found.localities:
        typer.echo(f"{len(found.localities)} localities of {found.table} (date of service {found.date}):")
    for place in found.localities:
        typer.echo(f"  {place.key}  {place.state}-{place.locality}  {place.name}  "
                   f"(GPCI work {place.pw_gpci}, PE {place.pe_gpci}, MP {place.mp_gpci})")


def _units_lines(units: Units) -> list[str]:
    if units.mue is None:
        return [f"MUE: unknown. {' '.join(units.notices)}"]
    out = [f"MUE: {units.mue} per {units.per}, MAI {units.mai} {_origin(units.origin)}",
           f"  MAI {units.mai}: {units.appeal}"]
    if units.curated is not None:
        out.append(f"  curated value differs: {units.curated.value} {_origin(units.curated.origin)}")
    return out


def render_code(d: CodeDetail) -> str:
    """The code's page as text, one fact per line with its origin in brackets."""
    out = [f"{d.code}  {d.descriptor or '(not in the curated catalog: no descriptor)'}  (date of service {d.date})"]
    if d.family is not None:
        where = ", ".join(x for x in (d.family.region, f"level {d.family.level}" if d.family.level else None,
                                      d.family.target, d.family.joint_size) if x)
        out.append(f"family: {d.family.label} ({d.family.id}{', ' + where if where else ''})")
    for name, fact in d.facts.items():
        out.append(f"{name}: {fact.value} {_origin(fact.origin)} {fact.meaning or ''}".rstrip())
        if fact.curated is not None:
            out.append(f"  curated value differs: {fact.curated.value} {_origin(fact.curated.origin)}")
    if d.primaries:
        out.append(f"primary codes: {', '.join(d.primaries)}")
    if d.addons:
        out.append(f"add-on codes reported with it: {', '.join(d.addons)}")
    out += _units_lines(d.units)
    out.append(f"PTP pairs ({len(d.pairs)}):")
    out += [f"  {p.col1}/{p.col2} MI {p.mi} {_origin(p.origin)} {p.rationale}"
            + (f" (deleted {p.deleted})" if p.deleted else "")
            + (f" | curated: {p.curated_col1} column 1, MI {p.curated_mi}" if p.curated_mi is not None else "")
            for p in d.pairs]
    if d.lcd:
        out.append("Medicare LCD rules:")
        out += [f"  {r.rule}: {r.value} [{r.confidence}] {', '.join(r.documents)} {r.note or ''}".rstrip()
                for r in d.lcd]
    if d.lcd_by_jurisdiction:
        out.append(f"LCD and billing article by MAC jurisdiction ({d.lcd_topic}):")
        out += [f"  {j.jurisdiction} {j.mac}: LCD {j.lcd}" + (f" / article {j.article}" if j.article else "")
                + f" [{j.confidence}]" + (" (ADVISOR_MAC)" if j.default else "") for j in d.lcd_by_jurisdiction]
    if d.knowledge:
        out.append("guidance: " + "; ".join(f"{s.doc}#{s.section}" for s in d.knowledge[:8])
                   + (f" (+{len(d.knowledge) - 8} more)" if len(d.knowledge) > 8 else ""))
    out += [f"note: {n}" for n in d.notices]
    return "\n".join(out)


def render_pair(p: PairLookup) -> str:
    out = [p.message]
    out += [f"bypasses it: {x}" for x in p.bypass]
    out += [f"does not bypass it: {x}" for x in p.not_bypass]
    out += [f"note: {n}" for n in p.notices]
    return "\n".join(out)


__all__ = ["code_cmd", "estimate_cmd", "localities_cmd", "modifiers_cmd", "pair_cmd", "render_estimate"]
