"""Claim-wide rules: bilateral reporting, add-ons and their primaries, NCCI PTP pairs, MUE units.

Sources: MPFS bilateral indicators (First Coast), CMS A59243 (ASC RT/LT lines), CPT add-on convention, NCCI PTP
modifier indicators, MUE adjudication indicators (Palmetto, First Coast).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from advisor.claims import ClaimLine, is_em_code, merged_diagnoses
from advisor.rules.catalog import CodeInfo, PtpPair
from advisor.rules.context import ANATOMIC, X_MODIFIERS, Ctx, carried_modifiers
from advisor.rules.rulebook import rule

BILATERAL_DOC = "modifier-50-bilateral#Medicare physician claims: modifier 50, one line, one unit"


@rule("BILATERAL-50", reads={"codes", "mods.side", "facts"}, writes={"mods.side", "lines", "units"},
      severity="error", after=("tpi_no_50",), explains=BILATERAL_DOC, sources=("fcso-bilateral",))
def rt_lt_pairs(ctx: Ctx) -> None:
    """Medicare physician claims: the same indicator-1 code on an RT line and an LT line is one line with 50."""
    fixed: list[ClaimLine] = []  # rebuilt in one pass (linear in the lines, unlike a replace per line)
    for line in ctx.claim:
        info = ctx.info(line)
        if line.has("RT") and line.has("LT") and info is not None:
            ok = info.bilateral in (1, 3) and ctx.claim_type.value != "asc"
            ctx.add(f"{line.code} carries both RT and LT on one line; "
                    + (f"a bilateral service is {line.code}-50." if ok else "bill each side on its own line."),
                    [line.code])
            line = line.with_modifiers(*(("50",) if ok else ()), drop=("RT", "LT"))
        fixed.append(line)
    ctx.claim[:] = fixed
    if ctx.facility_claim:
        return
    # Per code, the first RT line and the first LT line (in claim order) pair up: found in one pass.
    firsts: dict[str, tuple[CodeInfo, dict[str, ClaimLine]]] = {}
    for line in ctx.claim:
        info = ctx.info(line)
        side = "RT" if line.has("RT") else "LT" if line.has("LT") else None
        if info is not None and info.bilateral == 1 and side is not None:
            firsts.setdefault(line.code, (info, {}))[1].setdefault(side, line)
    for code, (info, sides) in firsts.items():
        if len(sides) < 2:
            continue
        right, left = sides["RT"], sides["LT"]
        code = line.code
        if info.family == "joint":
            ctx.add(f"{code}-RT and {code}-LT: right for two different joints; if it is the same joint on both sides, "
                    f"Medicare wants one line {code}-50 with 1 unit.", [code], severity="info")
            continue
        if not ctx.medicare:
            ctx.add(f"{code}-RT and {code}-LT on two lines: some commercial payers want this, others {code}-50 on one "
                    "line; follow the payer's bilateral policy.", [code], severity="info", confidence="secondary")
            continue
        ctx.add(f"Medicare physician claims report a bilateral {code} as one line {code}-50 with 1 unit; two lines "
                "with RT and LT are treated as incorrect coding.", [code], sources=info.prov("bilateral").sources)
        dx = merged_diagnoses(right, left)  # the one 50 line points at both sides' diagnoses
        if code in ctx.catalog.per_level_addons:  # levels both sides share go on the 50 line, the rest keep a side
            both = min(right.units, left.units)
            rest = [ln.model_copy(update={"units": ln.units - both}) for ln in (right, left) if ln.units > both]
            ctx.replace(right, [right.with_modifiers("50", drop=("RT", "LT")).model_copy(
                update={"units": both, "diagnoses": dx}), *rest])
        else:
            ctx.replace(right, right.with_modifiers("50", drop=("RT", "LT")).model_copy(
                update={"units": 1, "diagnoses": dx}))
        ctx.replace(left, None)


@rule("BILATERAL-50", reads={"codes", "mods.side", "units", "facts"}, writes={"mods.side", "units"}, severity="error",
      after=("rt_lt_pairs",), explains=BILATERAL_DOC, sources=("fcso-bilateral",))
def bilateral_50(ctx: Ctx) -> None:
    """Modifier 50 only where the bilateral indicator allows it; one line, one unit, no RT/LT beside it."""
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not line.has("50") or info.family == "trigger_point":  # TPI-NO-50 explains those
            continue
        prov = info.prov("bilateral")
        if info.bilateral not in (1, 3):
            sides = ctx.catalog.family(info.family).sides
            why = ("it is one injection into a shared space: one unit, no 50" if sides == "midline"
                   else f"its bilateral indicator is {info.bilateral}")
            ctx.add(f"Modifier 50 is not allowed on {line.code}: {why}. Remove 50.", [line.code],
                    sources=prov.sources, confidence=prov.confidence)
            ctx.replace(line, line.with_modifiers(drop=("50",)))
            continue
        fixed = line
        if line.has("RT", "LT"):
            ctx.add(f"{line.code}-50 already means both sides; drop RT/LT from the same line.", [line.code])
            fixed = fixed.with_modifiers(drop=("RT", "LT"))
        if line.units != 1 and line.code not in ctx.catalog.per_level_addons:
            ctx.add(f"{line.code}-50 is billed with 1 unit; the bilateral payment adjustment covers both sides.",
                    [line.code])
            fixed = fixed.model_copy(update={"units": 1})
        if fixed is not line:
            ctx.replace(line, fixed)


@rule("BILATERAL-RTLT", reads={"codes", "mods.side", "facts"}, writes={"mods.side", "lines"}, severity="error",
      after=("bilateral_50",), explains="modifier-50-bilateral#ASC and hospital outpatient claims: RT and LT lines",
      sources=("cms-a59243",))
def facility_sides(ctx: Ctx) -> None:
    """On ASC and hospital outpatient facility claims a bilateral service is two lines, RT and LT, not modifier 50."""
    if not ctx.facility_claim:
        return
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not line.has("50") or info.bilateral not in (1, 3):
            continue
        ctx.add(f"On an ASC or hospital outpatient facility claim report a bilateral {line.code} as two lines, one "
                "with RT and one with LT, each one unit, instead of modifier 50.", [line.code])
        base = line.with_modifiers(drop=("50",))
        ctx.replace(line, [base.with_modifiers("RT"), base.with_modifiers("LT")])


@rule("ADDON-PRIMARY", reads={"codes", "lines"}, writes={"lines"}, severity="error",
      after=("joint_guided_unguided", "facility_sides", "addon_once", "catheter_once", "descriptor_imaging",
             "tpi_no_50", "guidance_included"),
      explains="add-on-codes#What an add-on code is", sources=("cpt-code-set", "cpt-convention"))
def addon_primary(ctx: Ctx) -> None:
    """An add-on code is never billed without one of its primary codes on the same date."""
    codes = {ln.code for ln in ctx.claim}
    guided = any((i := ctx.info(ln)) is not None and ctx.catalog.family(i.family).imaging in ("separate", "us_twin")
                 for ln in ctx.claim)
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not info.addon or set(info.primaries) & codes or _thoracolumbar_addon(ctx, line, codes):
            continue
        if info.guides and guided:
            continue  # guidance reported with a procedure whose family bills its guidance separately (families.yaml)
        prov = info.prov("addon")
        others = [c for c in codes if c != line.code and ctx.catalog.code(c) is None]
        if info.open_primaries and others:
            ctx.add(f"{line.code} is an add-on; make sure its primary procedure ({', '.join(others)}?) is one the "
                    "guidance code may be reported with.", [line.code], severity="info", sources=prov.sources,
                    confidence=prov.confidence)
            continue
        if not info.primaries or info.open_primaries:
            ctx.add(f"{line.code} is an add-on guidance code with no primary procedure on this claim; remove it or add "
                    "the procedure it guided.", [line.code], sources=prov.sources, confidence=prov.confidence)
            ctx.replace(line, None)
            continue
        primary = info.primaries[0]
        ctx.add(f"{line.code} is an add-on code and needs its primary {primary} on the same claim. If only one level "
                f"or joint was treated, bill {primary} alone; if more, bill {primary} plus the add-on.",
                [line.code, primary], sources=prov.sources, confidence=prov.confidence)
        ctx.replace(line, [ClaimLine(code=primary, modifiers=carried_modifiers(line.modifiers),
                                     diagnoses=line.diagnoses), line])
        codes.add(primary)
    for first, (second, third) in ctx.catalog.level_chains.items():
        if third and third in codes and second not in codes and first in codes:
            ctx.add(f"{third} (third and further levels) without {second} (second level): a third level implies a "
                    "second; check the levels documented.", [third, second], severity="warning",
                    sources=("codingahead-facet",), confidence="secondary")


def _thoracolumbar_addon(ctx: Ctx, line: ClaimLine, codes: set[str]) -> bool:
    """The lumbar facet add-on beside the thoracic primary where the jurisdiction counts T12-L1 with L1-2 as one
    lumbar session and bills them that way (CGS from 2025: 64490 + 64494, 64633 + 64636; cope171058, A58364)."""
    info = ctx.info(line)
    chains = ctx.catalog.chains.get(info.family, {}) if info is not None else {}
    thoracic, lumbar = chains.get("cervical_thoracic"), chains.get("lumbar_sacral")
    return bool(thoracic and lumbar and line.code == lumbar[1] and thoracic[0] in codes) and \
        ctx.policy("params.facet_t12_l1_one_session").value is True


def _drop_code(ctx: Ctx, code: str) -> None:
    """Remove every line of a code, and any add-on left without a primary by that (it was billed on top of it)."""
    ctx.claim[:] = [ln for ln in ctx.claim if ln.code != code]
    codes = {ln.code for ln in ctx.claim}
    for other in list(ctx.claim):
        info = ctx.info(other)
        if info and info.addon and code in info.primaries and not set(info.primaries) & codes:
            ctx.replace(other, None)


@rule("PTP", reads={"codes", "mods.x", "mods.side", "facts"}, writes={"lines", "mods.x"}, severity="error",
      after=("mue", "x_prefer_xs"), explains="ncci-ptp-edits#How a PTP edit works",
      sources=("ncci-manual-ch1", "cms-ptp-table", "ptp-indicators"))
def ptp(ctx: Ctx) -> None:
    """NCCI procedure-to-procedure pairs: indicator 0 never bypassed; 1 only with 59/X/anatomic and distinct facts."""
    codes = list(dict.fromkeys(ln.code for ln in ctx.claim))
    for a, b in combinations(codes, 2):
        if not (ctx.has_code(a) and ctx.has_code(b)):
            continue
        pair = ctx.catalog.ptp(a, b)
        if pair is None or pair.mi == 9 or (pair.mi == 1 and is_em_code(pair.col2)):
            # E/M in column 2 with indicator 1 (imported CMS rows): modifier 25 decides, see rules_em.
            continue
        label = f"NCCI PTP edit {pair.col1}/{pair.col2} (modifier indicator {pair.mi}; {pair.table} table)"
        if pair.mi == 0:
            ctx.add(f"{label}: {pair.rationale}. Indicator 0 cannot be bypassed with any modifier: {pair.col2} is not "
                    f"separately payable with {pair.col1} on the same date.", [pair.col1, pair.col2],
                    sources=pair.sources, confidence=pair.confidence)
            _drop_code(ctx, pair.col2)
            continue
        _bypassable(ctx, pair, label)


def _bypassable(ctx: Ctx, pair: PtpPair, label: str) -> None:
    """Indicator 1: each column-2 line stands only with a bypass modifier (on it or on column 1) and distinct facts."""
    col1 = [ln for ln in ctx.claim if ln.code == pair.col1]
    col1_x = any(ln.has(*X_MODIFIERS) for ln in col1)
    col1_sides = {m for ln in col1 for m in ln.modifiers if m in ANATOMIC}

    def bypass(line: ClaimLine) -> bool:
        """59/X on either code, or anatomic modifiers showing different sites (RT on one, LT on the other)."""
        sides = {m for m in line.modifiers if m in ANATOMIC}
        return col1_x or line.has(*X_MODIFIERS) or bool(sides and col1_sides and not sides & col1_sides)

    marked = [ln for ln in ctx.claim if ln.code == pair.col2 and bypass(ln)]
    bare = [ln for ln in ctx.claim if ln.code == pair.col2 and not bypass(ln)]
    distinct, codes, src, conf = ctx.facts.distinct_sites, [pair.col1, pair.col2], pair.sources, pair.confidence
    if marked and distinct is False:
        ctx.add(f"{label}: a bypass modifier is on the claim but the services were not at separate sites or sessions, "
                f"so the edit stands; remove {pair.col2}.", codes, sources=src, confidence=conf)
        _drop_code(ctx, pair.col2)
        return
    if marked and distinct is None:
        ctx.add(f"{label}: bypassed by modifier. The note must show a separate site or session for {pair.col2} "
                f"({pair.rationale.lower()}).", codes, severity="info", sources=src, confidence=conf,
                pending="distinct_sites")
    if not bare:
        return
    if distinct:
        mod = ctx.bypass_modifier
        apart = "encounters" if mod == "XE" else "sites"
        ctx.add(f"{label}: the services were at separate {apart}, so append {mod} to the column-2 code {pair.col2} to "
                "bypass the edit.", codes, severity="warning", sources=src, confidence=conf)
        for line in bare:
            ctx.replace(line, line.with_modifiers(mod))
        return
    ctx.add(f"{label}: {pair.rationale}. {pair.col2} is bundled into {pair.col1} unless it was a separate site or "
            f"session; if so append XS (or 59) to {pair.col2}, otherwise remove it.", codes, sources=src,
            confidence=conf)
    for line in bare:
        ctx.replace(line, None)
    if not marked:
        _drop_code(ctx, pair.col2)


MAI_MEANING = {
    1: "MAI 1 is a claim-line edit: medically necessary extra units go on separate lines with an anatomic or XS "
       "modifier",
    2: "MAI 2 is an absolute date-of-service limit set by CMS policy: no modifier bypasses it; a denial may be "
       "appealed, but the policy binds the contractor, so units above it are rarely paid",
    3: "MAI 3 is a date-of-service limit from clinical data; units above it are denied and can be appealed only with "
       "documentation",
}


@rule("MUE", reads={"codes", "units", "mods.side", "facts"}, writes={"units", "lines"}, severity="error",
      after=("addon_primary",), explains="mue-mai#MAI 1, 2 and 3: how the edit is applied",
      sources=("mue-mai-palmetto",))
def mue(ctx: Ctx) -> None:
    """Medically Unlikely Edits: units per line (MAI 1) or per date with all lines summed (MAI 2 and 3).

    A bilateral-indicator-1 code billed as an RT line and an LT line (ASC claims, some commercial payers) gets the
    MUE once per side, as the same service billed with 50 would count one unit.
    """
    by_code: dict[str, list[ClaimLine]] = defaultdict(list)
    for line in ctx.claim:
        by_code[line.code].append(line)
    for code in {ln.code for ln in ctx.submitted} | set(by_code):
        info = ctx.catalog.mue_edit(code)  # the curated row, or the imported CMS MUE table (any code)
        if info is None:
            continue
        lines = by_code.get(code, [])
        of = "" if info.table == "curated" else f" ({info.table})"
        src, conf = info.sources, info.confidence
        if info.mai == 1:
            for line in lines:
                if line.units > info.mue:
                    ctx.add(f"{code} x{line.units} on one line exceeds its MUE of {info.mue}{of}. {MAI_MEANING[1]}.",
                            [code], sources=src, confidence=conf)
                    ctx.replace(line, line.model_copy(update={"units": info.mue}))
            continue
        sides = (info.bilateral == 1 and all(ln.has("RT", "LT") for ln in lines)
                 and {"RT", "LT"} <= {m for ln in lines for m in ln.modifiers})
        limit = info.mue * 2 if sides else info.mue
        total = sum(ln.units for ln in lines)
        submitted = sum(ln.units for ln in ctx.submitted if ln.code == code)
        if total <= limit:
            if submitted > limit and not ctx.has_finding("MUE", code):
                ctx.add(f"{code}: as submitted, {submitted} units on this date exceed the MUE of {info.mue}{of} "
                        f"({MAI_MEANING[info.mai]}); the correction above already brings it within the limit.",
                        [code], sources=src, confidence=conf)
            continue
        if not ctx.medicare and info.mai != 2:
            ctx.add(f"{code}: {total} units on this date exceed the Medicare MUE of {info.mue}{of}; many commercial "
                    "payers apply the CMS MUEs too. Check the payer's unit limits.", [code], severity="warning",
                    sources=src, confidence=conf)
            continue
        ctx.add(f"{code}: {total} units on this date exceed the MUE of {info.mue}{of}. {MAI_MEANING[info.mai]}."
                + (" If the same code was done on both sides, use modifier 50 where allowed." if info.bilateral == 1
                   else ""), [code], sources=src, confidence=conf)
        budgets = {"RT": info.mue, "LT": info.mue} if sides else {"": limit}
        for line in lines:
            side = ("RT" if line.has("RT") else "LT") if sides else ""
            keep = min(line.units, budgets[side])
            budgets[side] -= keep
            ctx.replace(line, line.model_copy(update={"units": keep}) if keep else None)
