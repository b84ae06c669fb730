"""Claim-wide rules: bilateral reporting, add-ons and their primaries, NCCI PTP pairs, MUE units.

Sources: MPFS bilateral indicators (First Coast), CMS A59243 (ASC RT/LT lines), CPT add-on convention, NCCI PTP
modifier indicators, MUE adjudication indicators (Palmetto, First Coast).
"""

from __future__ import annotations

from collections import defaultdict

from advisor.claims import ClaimLine
from advisor.rules.context import ANATOMIC, X_MODIFIERS, Ctx, weakest

BYPASS = (*X_MODIFIERS, *ANATOMIC)


def bilateral(ctx: Ctx) -> None:
    """Modifier 50 only where the bilateral indicator allows it; one line, one unit; RT/LT lines on ASC claims."""
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not line.has("50"):
            continue
        prov = info.prov("bilateral")
        if info.bilateral not in (1, 3):
            if info.family == "trigger_point":
                continue  # TPI-NO-50 explains it
            why = ("interlaminar and caudal epidurals are one injection into a shared space: one unit, no 50"
                   if info.family in ("epidural_il", "epidural_catheter") else "its bilateral indicator is "
                   f"{info.bilateral}")
            ctx.add(
                "BILATERAL-50", "error",
                f"Modifier 50 is not allowed on {line.code}: {why}. Remove 50.",
                [line.code], prov.sources, prov.confidence,
            )
            ctx.replace(line, line.with_modifiers(drop=("50",)))
            continue
        fixed = line
        if line.has("RT", "LT"):
            ctx.add("BILATERAL-50", "error",
                    f"{line.code}-50 already means both sides; drop RT/LT from the same line.",
                    [line.code], ["fcso-bilateral"], "confirmed")
            fixed = fixed.with_modifiers(drop=("RT", "LT"))
        if line.units != 1:
            ctx.add("BILATERAL-50", "error",
                    f"{line.code}-50 is billed with 1 unit; the bilateral payment adjustment covers both sides.",
                    [line.code], ["fcso-bilateral"], "confirmed")
            fixed = fixed.model_copy(update={"units": 1})
        if ctx.facts.setting.value == "asc":
            ctx.add(
                "BILATERAL-RTLT", "error",
                f"On an ASC facility claim report a bilateral {line.code} as two lines, one with RT and one with LT, "
                "each one unit, instead of modifier 50.",
                [line.code], ["cms-a59243"], "confirmed",
            )
            base = fixed.with_modifiers(drop=("50",))
            ctx.replace(line, [base.with_modifiers("RT"), base.with_modifiers("LT")])
        elif fixed is not line:
            ctx.replace(line, fixed)


def rt_lt_pairs(ctx: Ctx) -> None:
    """Medicare physician claims: the same indicator-1 code on an RT line and an LT line is one line with 50."""
    if ctx.facts.setting.value == "asc":
        return
    by_code: dict[str, list[ClaimLine]] = defaultdict(list)
    for line in ctx.claim:
        by_code[line.code].append(line)
    for code, lines in by_code.items():
        info = ctx.catalog.code(code)
        right = next((ln for ln in lines if ln.has("RT")), None)
        left = next((ln for ln in lines if ln.has("LT")), None)
        if info is None or info.bilateral != 1 or right is None or left is None:
            continue
        if not ctx.medicare:
            ctx.add("BILATERAL-RTLT", "info",
                    f"{code}-RT and {code}-LT on two lines: some commercial payers want this, others {code}-50 on one "
                    "line; follow the payer's bilateral policy.", [code], ["fcso-bilateral"], "secondary")
            continue
        ctx.add(
            "BILATERAL-RTLT", "error",
            f"Medicare physician claims report a bilateral {code} as one line {code}-50 with 1 unit; two lines with "
            "RT and LT are treated as incorrect coding.",
            [code], ["fcso-bilateral", *info.prov("bilateral").sources], "confirmed",
        )
        merged = right.with_modifiers("50", drop=("RT", "LT")).model_copy(update={"units": 1})
        ctx.replace(right, merged)
        ctx.replace(left, None)


def addon_primary(ctx: Ctx) -> None:
    """An add-on code is never billed without one of its primary codes on the same date."""
    codes = {ln.code for ln in ctx.claim}
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is None or not info.addon or set(info.primaries) & codes:
            continue
        others = [c for c in codes if c != line.code and ctx.catalog.code(c) is None]
        if info.open_primaries and others:
            ctx.add("ADDON-PRIMARY", "info",
                    f"{line.code} is an add-on; make sure its primary procedure ({', '.join(others)}?) is one the "
                    "guidance code may be reported with.", [line.code], info.prov("addon").sources,
                    info.prov("addon").confidence)
            continue
        if not info.primaries:
            ctx.add("ADDON-PRIMARY", "error",
                    f"{line.code} is an add-on guidance code with no primary procedure on this claim; remove it or "
                    "add the procedure it guided.", [line.code], info.prov("addon").sources,
                    info.prov("addon").confidence)
            ctx.replace(line, None)
            continue
        primary = info.primaries[0]
        ctx.add(
            "ADDON-PRIMARY", "error",
            f"{line.code} is an add-on code and needs its primary {primary} on the same claim. If only one level "
            f"or joint was treated, bill {primary} alone; if more, bill {primary} plus the add-on.",
            [line.code, primary], ["cpt-convention", *info.prov("addon").sources], info.prov("addon").confidence,
        )
        ctx.replace(line, [ClaimLine(code=primary, modifiers=line.modifiers), line])
        codes.add(primary)
    third_only = {"64495": "64494", "64492": "64491", "0218T": "0217T", "0215T": "0214T"}
    for third, second in third_only.items():
        if third in codes and second not in codes:
            ctx.add("ADDON-PRIMARY", "warning",
                    f"{third} (third and further levels) without {second} (second level): a third level implies a "
                    f"second; check the levels documented.", [third, second], ["codingahead-facet"], "secondary")


def ptp(ctx: Ctx) -> None:
    """NCCI procedure-to-procedure pairs: indicator 0 never bypassed; 1 only with 59/X/anatomic and distinct facts."""
    snapshot = list(ctx.claim)
    for i, a in enumerate(snapshot):
        for b in snapshot[i + 1:]:
            if a.code == b.code or not ctx.present(a) or not ctx.present(b):
                continue
            pair = ctx.catalog.ptp(a.code, b.code)
            if pair is None or pair.mi == 9:
                continue
            col2 = b if b.code == pair.col2 else a
            label = f"NCCI PTP edit {pair.col1}/{pair.col2} (modifier indicator {pair.mi}; {pair.table} table)"
            conf = pair.confidence
            if pair.mi == 0:
                ctx.add("PTP", "error",
                        f"{label}: {pair.rationale}. Indicator 0 cannot be bypassed with any modifier: "
                        f"{pair.col2} is not separately payable with {pair.col1} on the same date.",
                        [pair.col1, pair.col2], pair.sources, conf)
                ctx.replace(col2, None)
                continue
            bypassed = col2.has(*BYPASS) or (a if col2 is b else b).has(*BYPASS)
            distinct = ctx.facts.distinct_sites
            if bypassed and distinct is False:
                ctx.add("PTP", "error",
                        f"{label}: a bypass modifier is on the claim but the services were not at separate sites or "
                        f"sessions, so the edit stands; remove {pair.col2}.", [pair.col1, pair.col2], pair.sources, conf)
                ctx.replace(col2, None)
            elif bypassed:
                if distinct is None:
                    ctx.add("PTP", "info",
                            f"{label}: bypassed by modifier. The note must show a separate site or session for "
                            f"{pair.col2} ({pair.rationale.lower()}).", [pair.col1, pair.col2], pair.sources, conf)
            elif distinct:
                mod = "XS" if ctx.medicare else "59"
                ctx.add("PTP", "warning",
                        f"{label}: the services were at separate sites, so append {mod} to the column-2 code "
                        f"{pair.col2} to bypass the edit.", [pair.col1, pair.col2], pair.sources, conf)
                ctx.replace(col2, col2.with_modifiers(mod))
            else:
                ctx.add("PTP", "error",
                        f"{label}: {pair.rationale}. {pair.col2} is bundled into {pair.col1} unless it was a separate "
                        f"site or session; if so append XS (or 59) to {pair.col2}, otherwise remove it.",
                        [pair.col1, pair.col2], pair.sources, conf)
                ctx.replace(col2, None)


MAI_MEANING = {
    1: "MAI 1 is a claim-line edit: medically necessary extra units go on separate lines with an anatomic or XS "
       "modifier",
    2: "MAI 2 is an absolute date-of-service limit set by policy; no modifier or appeal overrides it",
    3: "MAI 3 is a date-of-service limit from clinical data; units above it are denied and can be appealed only with "
       "documentation",
}


def mue(ctx: Ctx) -> None:
    """Medically Unlikely Edits: units per line (MAI 1) or per date with all lines summed (MAI 2 and 3)."""
    by_code: dict[str, list[ClaimLine]] = defaultdict(list)
    for line in ctx.claim:
        by_code[line.code].append(line)
    for code, lines in by_code.items():
        info = ctx.catalog.code(code)
        if info is None:
            continue
        prov = weakest(info.prov("mue").confidence, info.prov("mai").confidence)
        sources = ["mue-mai-palmetto", *info.prov("mue").sources]
        if info.mai == 1:
            for line in lines:
                if line.units > info.mue:
                    ctx.add("MUE", "error",
                            f"{code} x{line.units} on one line exceeds its MUE of {info.mue}. {MAI_MEANING[1]}.",
                            [code], sources, prov)
                    ctx.replace(line, line.model_copy(update={"units": info.mue}))
            continue
        total = sum(ln.units for ln in lines)
        if total <= info.mue:
            continue
        ctx.add("MUE", "error",
                f"{code}: {total} units on this date exceed the MUE of {info.mue}. {MAI_MEANING[info.mai]}."
                + (" If the same code was done on both sides, use modifier 50 where allowed." if info.bilateral == 1
                   else ""),
                [code], sources, prov)
        budget = info.mue
        for line in lines:
            keep = min(line.units, budget)
            budget -= keep
            ctx.replace(line, line.model_copy(update={"units": keep}) if keep else None)


RULES = (bilateral, rt_lt_pairs, addon_primary, ptp, mue)
