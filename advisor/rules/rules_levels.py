"""Units that count levels, joints or muscles: facet/RFA/TFESI levels, add-ons once, catheters once, trigger points.

Sources: CMS A58350 and First Coast (count joints, not nerves; 64492/64495 once), CPT catheter notes,
AAPC/Find-A-Code trigger point guidance (muscles, not injections; once per session; no 50).
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx, carried_modifiers

# family -> (cervical/thoracic chain, lumbar/sacral chain); chain = (first level, second level, third-and-beyond once
# or None when the add-on repeats per extra level). The recommender builds claims from the same table.
SPINE_CODES: dict[str, tuple[tuple[str, str, str | None], tuple[str, str, str | None]]] = {
    "facet_injection": (("64490", "64491", "64492"), ("64493", "64494", "64495")),
    "facet_us": (("0213T", "0214T", "0215T"), ("0216T", "0217T", "0218T")),
    "facet_rfa": (("64633", "64634", None), ("64635", "64636", None)),
    "tfesi": (("64479", "64480", None), ("64483", "64484", None)),
}
# first-level code -> (second-level add-on, third-and-beyond add-on or None)
LEVEL_CHAINS: dict[str, tuple[str, str | None]] = {
    first: (second, third) for chains in SPINE_CODES.values() for first, second, third in chains
}
# add-ons reported once per side: the second-level and third-and-beyond facet codes
ONCE_ADDONS = frozenset(
    code for chains in SPINE_CODES.values() for _, second, third in chains if third for code in (second, third)
)


def catalog_unknown(ctx: Ctx) -> None:
    """A well-formed code we do not know is never silently accepted."""
    for line in ctx.claim:
        if ctx.info(line) is None:
            ctx.add(
                "CATALOG-UNKNOWN", "warning",
                f"{line.code} is not in this advisor's catalog (interventional pain codes, imaging guidance and "
                "office E/M), so no rule checked it; verify it against the current CPT/HCPCS and NCCI tables.",
                [line.code], ["cpt-convention"], "secondary",
            )


def facet_levels(ctx: Ctx) -> None:
    """Several units on a first-level code mean several levels: bill the first level once plus its add-ons."""
    for line in list(ctx.claim):
        chain = LEVEL_CHAINS.get(line.code)
        if chain is None or line.units == 1 or line.has("50"):
            continue
        extra = line.units - 1
        second, third = chain
        new = [line.model_copy(update={"units": 1})]
        mods = carried_modifiers(line.modifiers)
        if third is None:
            new.append(ClaimLine(code=second, modifiers=mods, units=extra))
        else:
            new.append(ClaimLine(code=second, modifiers=mods))
            if extra > 1:
                new.append(ClaimLine(code=third, modifiers=mods))
        ctx.add(
            "FACET-LEVELS", "error",
            f"{line.code} x{line.units}: the first-level code is billed once per side; each further level is its "
            f"add-on ({second}{'' if third is None else f', then {third} once for the third and any further levels'})."
            " Levels count joints (or foramina), not nerves or needles.",
            [line.code, second] + ([third] if third else []), ["cms-a58350", "fcso-facet", "aapc-facet-units"],
        )
        ctx.replace(line, [n for n in new if not ctx.has_code(n.code) or n.code == line.code])


def addon_once(ctx: Ctx) -> None:
    """64491/64494 (second level) and 64492/64495 (third and beyond) are one unit each; bilateral is modifier 50."""
    for line in list(ctx.claim):
        if line.code in ONCE_ADDONS and line.units > 1:
            ctx.add(
                "FACET-ADDON-ONCE", "error",
                f"{line.code} x{line.units}: this add-on is reported once per session (per side). A third, fourth "
                "or fifth level is still one unit of the third-level code; a bilateral level takes modifier 50, "
                "not a second unit.",
                [line.code], ["codingahead-facet", "aapc-facet-units", "fcso-facet"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"units": 1}))


def catheter_once(ctx: Ctx) -> None:
    """Epidural catheter codes cover the whole infusion or bolus series."""
    for line in list(ctx.claim):
        info = ctx.info(line)
        if info is not None and info.family == "epidural_catheter" and line.units > 1:
            ctx.add(
                "CATHETER-ONCE", "error",
                f"{line.code} x{line.units}: catheter placement codes are reported once for the whole series of "
                "infusions or boluses, not per day or per dose.",
                [line.code], ["cpt-desc-catheter"], "secondary",
            )
            ctx.replace(line, line.model_copy(update={"units": 1}))


def tpi(ctx: Ctx) -> None:
    """Trigger points: one code per session by muscles (1-2 → 20552, 3+ → 20553), one unit, no modifier 50."""
    lines = [ln for ln in ctx.claim if ln.code in ("20552", "20553")]
    if not lines:
        return
    src = ["aapc-tpi", "findacode-tpi", "verity-a59480"]
    muscles = ctx.facts.muscles
    wanted = None if not muscles else ("20552" if muscles <= 2 else "20553")
    if len({ln.code for ln in lines}) > 1 or len(lines) > 1:
        keep_code = wanted or "20553"
        ctx.add(
            "TPI-ONE-CODE", "error",
            "Trigger point injections are reported with one code, once per session, chosen by the number of "
            f"distinct muscles: keep {keep_code} and remove the other trigger point line(s).",
            [ln.code for ln in lines], src, "secondary",
        )
        keeper = next((ln for ln in lines if ln.code == keep_code), lines[0]).model_copy(update={"code": keep_code})
        for ln in lines:
            ctx.replace(ln, keeper if ln is lines[0] else None)
        lines = [keeper]
    line = lines[0]
    if line.units > 1:
        ctx.add(
            "TPI-UNITS", "error",
            f"{line.code} x{line.units}: trigger point codes count muscles, not injections or needles, and are "
            "billed one unit per session. Use 20553 for three or more muscles.",
            [line.code], src, "secondary",
        )
        fixed = line.model_copy(update={"units": 1})
        ctx.replace(line, fixed)
        line = fixed
    if wanted and line.code != wanted:
        ctx.add(
            "TPI-MUSCLES", "error",
            f"{muscles} muscle(s) injected means {wanted} ({'one or two' if wanted == '20552' else 'three or more'} "
            "muscles), not "
            f"{line.code}. Count each distinct muscle once (left and right of the same muscle count as two; "
            "that left/right point is not confirmed in CPT text).",
            [line.code, wanted], src, "secondary",
        )
        fixed = line.model_copy(update={"code": wanted})
        ctx.replace(line, fixed)
        line = fixed
    if line.has("50"):
        ctx.add(
            "TPI-NO-50", "error",
            f"Modifier 50 is not used with {line.code}: trigger point codes have bilateral indicator 0. Muscles on "
            "both sides are simply counted (e.g. both trapezius and both rhomboids = 4 muscles = 20553 x1).",
            [line.code], ["findacode-tpi", "aapc-bilateral-fee", "verity-a59480"], "secondary",
        )
        ctx.replace(line, line.with_modifiers(drop=("50",)))


def _same_joint(a: ClaimLine, b: ClaimLine) -> bool:
    """Two joint lines describe the same joint unless a modifier tells them apart (RT vs LT, XS, 59...)."""
    marks = {"RT", "LT", "XS", "59", "XE", "XU", "XP", "50", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
             "FA", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}
    return set(a.modifiers) & marks == set(b.modifiers) & marks


def joint_units(ctx: Ctx) -> None:
    """One unit per joint per session, covering aspiration plus injection and the joint's own bursae."""
    src = ["aapc-joint-units", "ncci-ch4-bursa"]
    for line in list(ctx.lines_of("joint")):
        if line.units > 1:
            ctx.add(
                "JOINT-UNITS", "error",
                f"{line.code} x{line.units}: joint codes are one unit per joint, whatever the number of aspirations, "
                "injections or bursae of that joint. Put each other joint on its own line with RT/LT or XS; both "
                "knees (or shoulders, hips) take modifier 50 on one line.",
                [line.code], src, "secondary",
            )
            ctx.replace(line, line.model_copy(update={"units": 1}))
    seen: list[ClaimLine] = []
    for line in list(ctx.lines_of("joint")):
        info = ctx.info(line)
        twin = next(
            (s for s in seen if _same_joint(s, line)
             and (s.code == line.code or s.code == (info.twin if info else None))),
            None,
        )
        if twin is None:
            seen.append(line)
            continue
        if twin.code == line.code:
            ctx.add(
                "JOINT-UNITS", "error",
                f"{line.code} appears twice for what looks like the same joint. Aspiration and injection of one joint "
                "(and its bursae) is one unit; if these were different joints, mark the second line with RT/LT or XS.",
                [line.code], src, "secondary",
            )
            ctx.replace(line, None)
        else:
            guided = line if (info and info.imaging == "included_us") else twin
            unguided = twin if guided is line else line
            ctx.add(
                "JOINT-GUIDED-UNGUIDED", "error",
                f"{guided.code} (ultrasound guided) and {unguided.code} (unguided) are the same joint service; bill "
                f"one of them per joint. Keep {guided.code} only if real-time ultrasound, a saved image and a report "
                f"are documented; otherwise bill {unguided.code}.",
                [guided.code, unguided.code], ["supercoder-arthro", "supercoder-20611"], "secondary",
            )
            ctx.replace(unguided, None)
            if unguided in seen:
                seen[seen.index(unguided)] = guided
