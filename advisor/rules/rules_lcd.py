"""Medicare LCD and billing-article rules (facet, ESI, SI joint, trigger points). Medicare only: commercial payers
write their own policies, so for them these rules stay silent.

Parameters and their sources live in catalog/lcd.yaml.
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.context import Ctx

SPINE = ("epidural_il", "epidural_catheter", "tfesi", "facet_injection", "facet_us", "facet_rfa", "si_joint",
         "si_nerve_block", "si_rfa")


def _p(ctx: Ctx, name: str):  # noqa: ANN202 - small accessor
    return ctx.catalog.param(name)


def noncovered(ctx: Ctx) -> None:
    for line in ctx.claim:
        nc = ctx.catalog.noncovered_for(line.code)
        if nc:
            ctx.add("LCD-NONCOVERED", "warning",
                    f"{line.code}: {nc.why}. Bill it to Medicare only with a signed ABN (GA modifier), or expect a "
                    "denial.", [line.code], nc.sources, nc.confidence)


def ablation(ctx: Ctx) -> None:
    """The facet LCD covers thermal radiofrequency ablation only."""
    technique = ctx.facts.ablation
    p = _p(ctx, "rfa_covered_techniques")
    lines = ctx.lines_of("facet_rfa")
    if technique is None or technique in p.value or not lines:
        return
    ctx.add("LCD-NONCOVERED", "warning",
            f"{technique.capitalize()} ablation is not covered by the Medicare facet LCD, which covers thermal "
            f"radiofrequency lesioning only ({p.note}). Bill it to Medicare only with a signed ABN (GA).",
            [ln.code for ln in lines], p.sources, p.confidence)


def facet_levels(ctx: Ctx) -> None:
    param = _p(ctx, "facet_noncovered_addons")
    for line in ctx.claim:
        if line.code in param.value:
            ctx.add("LCD-FACET-LEVELS", "warning",
                    f"{line.code} is a third-or-more level: the Medicare facet LCD covers one or two levels per "
                    f"session (unilateral or bilateral), so {line.code} will be denied as not reasonable and "
                    "necessary. Bill it only with a signed ABN (GA).", [line.code], param.sources, param.confidence)


def esi(ctx: Ctx) -> None:
    """One region per session; transforaminal at most two levels; interlaminar one level and never bilateral."""
    lines = ctx.lines_of("epidural_il", "tfesi")
    regions = {ctx.info(ln).region for ln in lines}  # type: ignore[union-attr]
    if len(regions) > 1:
        p = _p(ctx, "esi_one_region")
        ctx.add("LCD-ESI-REGION", "warning",
                "Medicare ESI articles allow one spinal region per session; cervical/thoracic and lumbar/sacral "
                "epidurals on one date will not both be covered.", [ln.code for ln in lines], p.sources, p.confidence)
    tf_max = _p(ctx, "tf_max_levels")
    for region in regions:
        tf = [ln for ln in ctx.lines_of("tfesi") if ctx.info(ln).region == region]  # type: ignore[union-attr]
        levels = sum(ln.units for ln in tf)
        if levels > tf_max.value:
            ctx.add("LCD-TF-LEVELS", "warning",
                    f"{levels} transforaminal levels in one session: Medicare covers at most {tf_max.value} levels "
                    "per session (unilateral or bilateral).", [ln.code for ln in tf], tf_max.sources,
                    tf_max.confidence)
    il = ctx.lines_of("epidural_il")
    il_max = _p(ctx, "il_max_levels")
    submitted_il = [ln for ln in ctx.submitted if (i := ctx.info(ln)) is not None and i.family == "epidural_il"]
    if max(sum(ln.units for ln in il), sum(ln.units for ln in submitted_il)) > il_max.value:
        ctx.add("LCD-IL-LEVELS", "warning",
                f"Interlaminar or caudal epidurals: Medicare covers {il_max.value} level per session.",
                [ln.code for ln in il], il_max.sources, il_max.confidence)
    for line in ctx.submitted:
        info = ctx.info(line)
        if info is not None and info.family == "epidural_il" and line.has("50"):
            p = _p(ctx, "il_no_bilateral")
            ctx.add("LCD-IL-BILATERAL", "warning",
                    "Medicare ESI articles do not allow bilateral interlaminar or caudal injections: one injection, "
                    "one unit.", [line.code], p.sources, p.confidence)


def imaging_required(ctx: Ctx) -> None:
    p = _p(ctx, "esi_unguided_codes")
    for line in ctx.claim:
        if line.code in p.value:
            ctx.add("LCD-IMAGING", "warning",
                    f"{line.code} is the no-imaging code; Medicare's ESI LCDs require fluoroscopy or CT with "
                    "contrast, so an unguided epidural for pain is likely not covered.",
                    [line.code], p.sources, p.confidence)
    if ctx.facts.imaging in ("none", "ultrasound"):
        spine = [ln for ln in ctx.lines_of("facet_injection", "tfesi", "facet_rfa", "si_nerve_block")]
        if spine:
            ctx.add("LCD-IMAGING", "warning",
                    "Medicare's facet, ESI and SI joint LCDs require fluoroscopy or CT guidance; without it the "
                    "procedure is not covered.", [ln.code for ln in spine], ["cms-a57787", "verity-l33906"],
                    "secondary")


def kx(ctx: Ctx) -> None:
    """KX marks diagnostic facet, SI and selective nerve root blocks under the Medicare LCDs."""
    p = _p(ctx, "kx_diagnostic_families")
    families = tuple(p.value)
    lines = ctx.lines_of(*families)
    diagnostic = ctx.facts.diagnostic
    for line in list(lines):
        if diagnostic and not line.has("KX"):
            ctx.add("LCD-KX", "error",
                    f"{line.code} is a diagnostic block: Medicare LCDs require modifier KX on diagnostic facet, SI "
                    "joint and selective nerve root blocks (without it the service counts as therapeutic).",
                    [line.code], p.sources, p.confidence)
            ctx.replace(line, line.with_modifiers("KX"))
        elif diagnostic is False and line.has("KX"):
            ctx.add("LCD-KX", "error",
                    f"{line.code}: KX marks a diagnostic block; this one is therapeutic, so remove KX.",
                    [line.code], p.sources, p.confidence)
            ctx.replace(line, line.with_modifiers(drop=("KX",)))
    if diagnostic is None and any(not ln.has("KX") for ln in lines):
        ctx.add("LCD-KX", "info",
                "If this is a diagnostic block (e.g. a medial branch block or diagnostic SI injection), Medicare "
                "wants modifier KX on it.", [ln.code for ln in lines], p.sources, p.confidence)


def _session_family(ctx: Ctx, line: ClaimLine) -> str | None:
    family = ctx.info(line).family  # type: ignore[union-attr]
    diagnostic = ctx.facts.diagnostic
    if family in ("epidural_il", "tfesi"):
        return "esi"
    if family == "facet_injection":
        return "facet_diagnostic" if diagnostic else "facet_therapeutic" if diagnostic is False else None
    if family == "facet_rfa":
        return "rfa"
    if family in ("si_joint", "si_nerve_block"):
        return "si_diagnostic" if diagnostic else "si_therapeutic" if diagnostic is False else None
    if family == "trigger_point":
        return "tpi"
    return None


def sessions(ctx: Ctx) -> None:
    """Sessions per rolling 12 months: this date's session plus the prior ones must fit the LCD limit."""
    prior = ctx.facts.prior_sessions
    if not prior:
        return
    seen: set[str] = set()
    for line in ctx.claim:
        if ctx.info(line) is None or (fam := _session_family(ctx, line)) is None or fam in seen:
            continue
        seen.add(fam)
        limit = ctx.catalog.sessions[fam]
        done = prior.get(fam)  # type: ignore[call-overload]
        if done is not None and done + 1 > limit.value:
            ctx.add("LCD-SESSIONS", "warning",
                    f"This would be session {done + 1} of {fam.replace('_', ' ')} in the rolling 12 months; Medicare "
                    f"allows {limit.value} (per spinal region where it applies). Expect a denial without an ABN.",
                    [line.code], limit.sources, limit.confidence)


def _relief_key(ctx: Ctx, family: str) -> str | None:
    """Which LCD threshold the prior relief is measured against: a repeat of the same treatment uses the repeat
    threshold; otherwise the prior block was diagnostic and its (higher) diagnostic threshold applies."""
    diagnostic = ctx.facts.diagnostic
    prior = ctx.facts.prior_sessions
    if family == "facet_injection" and diagnostic is not None:
        return "facet_therapeutic" if diagnostic is False and prior.get("facet_therapeutic") else "facet_diagnostic"
    if family == "facet_rfa":
        return "rfa_repeat" if prior.get("rfa") else "rfa_initial"
    if family in ("epidural_il", "tfesi"):
        return "esi"
    if family in ("si_joint", "si_nerve_block") and diagnostic is not None:
        return "si_therapeutic" if diagnostic is False and prior.get("si_therapeutic") else "si_diagnostic"
    return None


def relief(ctx: Ctx) -> None:
    """Relief from the prior block must meet the LCD threshold for the next procedure of that kind."""
    pct = ctx.facts.prior_relief_percent
    if pct is None:
        return
    seen: set[str] = set()
    for line in ctx.claim:
        info = ctx.info(line)
        key = _relief_key(ctx, info.family) if info else None
        if key is None or key in seen:
            continue
        seen.add(key)
        need = ctx.catalog.relief[key]
        if pct < need.value:
            ctx.add("LCD-RELIEF", "warning",
                    f"Prior relief of {pct}% is below the {need.value}% the Medicare LCD asks for here "
                    f"({need.note}). {line.code} is likely not covered.", [line.code], need.sources, need.confidence)


def indication(ctx: Ctx) -> None:
    """Facet procedures are for axial pain without untreated radiculopathy; ESIs are for radicular pain."""
    radicular = ctx.facts.radicular
    if radicular is None:
        return
    facet = ctx.lines_of("facet_injection", "facet_us", "facet_rfa")
    esi = ctx.lines_of("epidural_il", "tfesi", "epidural_catheter")
    if radicular and facet:
        ctx.add("LCD-INDICATION", "warning",
                "The Medicare facet LCD covers facet blocks and ablation for axial neck or back pain without untreated "
                "radiculopathy or neurogenic claudication (a facet synovial cyst is the exception); with radicular "
                "pain these services are likely denied.", [ln.code for ln in facet], ["cgs-facet"], "confirmed")
    if radicular is False and esi:
        ctx.add("LCD-INDICATION", "warning",
                "The Medicare ESI LCDs cover epidural steroid injections for radicular pain, radiculopathy or "
                "neurogenic claudication; non-radicular axial pain is not covered.", [ln.code for ln in esi],
                ["verity-l33906"], "secondary")


def sedation(ctx: Ctx) -> None:
    if ctx.facts.sedation and ctx.lines_of(*SPINE):
        p = _p(ctx, "sedation_routine")
        ctx.add("LCD-SEDATION", "warning",
                "Moderate sedation, MAC or general anesthesia is not routinely reasonable and necessary for facet, "
                "epidural or SI joint injections; it needs documented patient-specific reasons and may be denied.",
                [ln.code for ln in ctx.lines_of(*SPINE)], p.sources, p.confidence)


def medicare_only(rule):  # noqa: ANN001, ANN201 - decorator
    def run(ctx: Ctx) -> None:
        if ctx.medicare:
            rule(ctx)

    run.__name__ = rule.__name__
    run.__doc__ = rule.__doc__
    return run


def commercial_kx(ctx: Ctx) -> None:
    if ctx.medicare:
        return
    for line in list(ctx.claim):
        if line.has("KX"):
            ctx.add("LCD-KX", "info",
                    f"{line.code}-KX: KX is a Medicare LCD modifier; most commercial payers do not use it. Check the "
                    "payer's policy.", [line.code], ["verity-a57826"], "secondary")


RULES = tuple(medicare_only(r) for r in (noncovered, ablation, facet_levels, esi, imaging_required, kx, sessions, relief,
                                          indication, sedation)) + (commercial_kx,)
