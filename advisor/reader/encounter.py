"""From a Reading to the Encounter the rules engine sees: today's procedures (done frames only), the E/M visit and
the facts. Negated, planned and merely mentioned procedures are never billed; historical ones only inform facts
(sessions, relief, the global period of an earlier procedure)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from advisor.errors import InvalidInput
from advisor.reader.frames import recount
from advisor.reader.levels import parse_level_token
from advisor.reader.model import Frame, Joint, Reading
from advisor.rules.catalog import Catalog
from advisor.rules.model import EMVisit, Encounter, Facts, Procedure, UltrasoundDocs

FACT_KEYS = ("setting", "separate_problem", "new_patient", "prior_relief_percent", "prior_sessions", "sedation",
             "sedation_reason", "seen_within_three_years", "radicular", "distinct_sites", "separate_encounter",
             "ablation", "days_since_global_procedure", "prior_blocks", "relief_months", "months_since_prior",
             "procedure_day", "rfa_not_possible", "branches_reduced", "pain_weeks", "provocative_tests", "acute_zoster",
             "lcds", "mac")


def procedures(frame: Frame, catalog: Catalog) -> list[Procedure]:
    """The engine's Procedure(s) for one frame: one per joint for joint frames, sides per level when they differ."""
    fam = catalog.family(frame.family or "")
    base: dict[str, Any] = {
        "family": fam.id, "region": frame.region, "levels": max(1, min(frame.levels or 1, 10)),
        "laterality": frame.laterality, "imaging": frame.imaging, "diagnostic": frame.diagnostic,
        "target": frame.target, "stopped": frame.stopped,
    }
    if fam.counts == "joints":
        alone = frame.laterality if len(frame.joints) == 1 else None
        return [Procedure(**base | {"laterality": j.laterality or alone,
                                    "joint": j.name, "joint_size": j.size, "imaging": j.imaging or frame.imaging})
                for j in _pair_sides(frame.joints)] or [Procedure(**base)]
    if fam.counts == "muscles":
        base |= {"muscles": max(1, min(frame.muscles, 50)) if frame.muscles else None, "laterality": None}
    if fam.counts == "levels" and len(frame.sides) > 1:
        base |= _levels_per_side(frame, fam.level_unit or "joint")
    elif fam.counts == "levels" and fam.select == "region":
        regions = [str(parsed["region"]) for n in frame.level_names if (parsed := parse_level_token(n.lower()))]
        code_regions = {catalog.registry.code_region(r) for r in regions}
        if len(code_regions) > 1 and len(regions) == (frame.levels or 0):
            base |= {"level_regions": regions, "region": regions[0]}  # "T12-L1 and L1-2": 64490 + 64494
    return [Procedure(**base)]



def _pair_sides(joints: list[Joint]) -> list[Joint]:
    """The same joint on the right and on the left with the same guidance is one bilateral procedure ("R shoulder
    inj, L shoulder inj"); different joints, or different guidance per side, stay separate."""
    out: list[Joint] = []
    for j in joints:
        mate = next((i for i, o in enumerate(out) if o.name == j.name
                     and (None in (o.imaging, j.imaging) or o.imaging == j.imaging)
                     and {o.laterality, j.laterality} == {"left", "right"}), None)
        if mate is None:
            out.append(j)
        else:
            out[mate] = out[mate].model_copy(update={"laterality": "bilateral",
                                                     "imaging": out[mate].imaging or j.imaging})
    return out


def _levels_per_side(frame: Frame, unit: str) -> dict[str, Any]:
    """Right and left level counts from the levels named per side (bilateral levels count on both)."""
    both = frame.sides.get("bilateral", [])
    right = recount(both + frame.sides.get("right", []), unit)
    left = recount(both + frame.sides.get("left", []), unit)
    names = sorted({n for level_names in frame.sides.values() for n in level_names})
    return {"levels_right": right, "levels_left": left, "levels": max(1, right, left, recount(names, unit)),
            "laterality": None}


def to_encounter(reading: Reading, catalog: Catalog, payer: str | None, default_payer: str) -> Encounter:
    """The Encounter for the engine: request payer over question payer over the default."""
    facts_in = reading.facts
    frames = reading.done_frames()
    procs = [p for f in frames for p in procedures(f, catalog)]
    data: dict[str, Any] = {k: facts_in[k] for k in FACT_KEYS if k in facts_in}
    data["payer"] = payer or facts_in.get("payer") or default_payer
    data["diagnostic"] = next((p.diagnostic for p in procs if p.diagnostic is not None), None)
    imagings = {p.imaging for p in procs if p.imaging}
    if len(imagings) == 1 and (len(procs) == 1 or len({p.family for p in procs}) == 1):
        data["imaging"] = imagings.pop()
    if "us_permanent_image" in facts_in or "us_report" in facts_in:
        data["ultrasound"] = UltrasoundDocs(real_time=True, permanent_image=facts_in.get("us_permanent_image"),
                                            report=facts_in.get("us_report"))
    data["muscles"] = next((p.muscles for p in procs if p.muscles), None)
    past = [f for f in reading.frames if f.status == "historical" and f.family]
    if data.get("days_since_global_procedure") is not None:  # the earlier procedure's code, when the words give it:
        codes = [c for f in past if (c := primary_code(f, catalog))]  # the RFA, not the blocks before it (no global)
        spanning = [c for c in codes if (info := catalog.code(c)) is not None and info.global_days in ("010", "090")]
        data["global_procedure_code"] = next(iter((spanning or codes)[-1:]), None) or next(
            iter(facts_in.get("past_codes", [])), None)
    try:
        facts = Facts.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"facts: {exc.errors()[0]['msg']}", "facts") from None
    em = None
    if reading.em is not None and reading.em.status == "done":
        em = EMVisit(code=reading.em.code, new_patient=reading.em.new_patient,
                     separate_problem=reading.em.separate_problem)
    return Encounter(procedures=procs, em=em, facts=facts)


def primary_code(frame: Frame, catalog: Catalog) -> str | None:
    """The first code an earlier procedure was billed with (for the global period it opened)."""
    from advisor.rules.recommend import recommend

    procs = procedures(frame, catalog)
    if not procs:
        return None
    rec = recommend(Encounter(procedures=procs[:1]), catalog)
    return rec.claim[0].code if rec.claim else None


__all__ = ["primary_code", "procedures", "to_encounter"]
