"""Medicare LCD and billing-article rules (facet, ESI, SI joint, trigger points). Medicare only (`payer="medicare"`):
commercial payers write their own policies, so for them these rules stay silent.

Parameters and their sources live in catalog/lcd.yaml; which family counts toward which session limit lives in
families.yaml (`sessions`).
"""

from __future__ import annotations

from typing import Any

from advisor.claims import ClaimLine
from advisor.rules.catalog import Param
from advisor.rules.context import Ctx
from advisor.rules.rulebook import rule

SPINE = ("epidural_il", "epidural_catheter", "tfesi", "facet_injection", "facet_us", "facet_rfa", "si_joint",
         "si_nerve_block", "si_rfa")
FACET_LCD = "lcd-facet-joint-interventions#Levels, sessions and frequency limits"
ESI_LCD = "lcd-epidural-steroid-injections#Per-session limits: one region, level counts, no bilateral ILESI"
LCD_AFTER = ("em_in_global", "guidance_included", "mue", "ptp")


# The LCD topic (jurisdictions.yaml `lcds`) of each knowledge document a rule's `explains` points to.
TOPICS = {"lcd-facet-joint-interventions": "facet", "lcd-epidural-steroid-injections": "esi",
          "lcd-sacroiliac-joint": "si"}
COVERAGE_SECTION = "Coverage Indications, Limitations, and/or Medical Necessity"


def _p(ctx: Ctx, name: str) -> Param:
    """An lcd.yaml parameter, resolved for the claim's MAC jurisdiction and date of service."""
    return ctx.policy(f"params.{name}")


def _warn(ctx: Ctx, message: str, codes: list[str], param: Param, **kw: Any) -> None:
    """A finding resting on an LCD parameter: it names the jurisdiction when the value is that jurisdiction's own,
    says where other jurisdictions differ when no MAC is known, and cites the jurisdiction's LCD and article."""
    table = ctx.catalog.jurisdictions
    if param.jurisdiction:
        message = f"In {table.labels(tuple(param.scope or [param.jurisdiction]))}: {message}"
    if param.differs:
        message += " Jurisdictions differ: " + "; ".join(param.differs) + "."
    topic = param.topic or (TOPICS.get(ctx.rule.explains.partition("#")[0]) if ctx.rule else None)
    citations = ctx.lcd_citation(topic, param.section or COVERAGE_SECTION)
    ctx.add(message, codes, sources=param.sources, confidence=param.confidence, citations=citations,
            jurisdiction=param.jurisdiction, **kw)


@rule("LCD-NONCOVERED", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Imaging, sedation and same-day blocks",
      sources=("cms-a57787", "cms-l39455"))
def noncovered(ctx: Ctx) -> None:
    """Codes the Medicare LCDs do not cover at all (ultrasound-guided facet codes, SI joint RFA)."""
    for line in ctx.claim:
        nc = ctx.catalog.noncovered_for(line.code)
        if nc:
            ctx.add(f"{line.code}: {nc.why}. Bill it to Medicare only with a signed ABN (GA modifier), or expect a "
                    "denial.", [line.code], sources=nc.sources, confidence=nc.confidence)


@rule("LCD-NONCOVERED", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Therapeutic IA injections and RFA", sources=("cms-a57826",))
def ablation(ctx: Ctx) -> None:
    """The facet LCD covers thermal radiofrequency ablation only."""
    technique = ctx.facts.ablation
    p = _p(ctx, "rfa_covered_techniques")
    lines = ctx.lines_of("facet_rfa")
    if technique is None or technique in p.value or not lines:
        return
    _warn(ctx, f"{technique.capitalize()} ablation is not covered by the Medicare facet LCD, which covers thermal "
               f"radiofrequency lesioning only ({p.note}). Bill it to Medicare only with a signed ABN (GA).",
          [ln.code for ln in lines], p)


def _levels_per_side(ctx: Ctx, lines: list[ClaimLine]) -> int:
    """Levels on the most-treated side: units of the chain codes (50 counts for both sides, RT/LT for one)."""
    sides: dict[str, int] = {"RT": 0, "LT": 0}
    for line in lines:
        targets = ("RT", "LT") if line.has("50") or not line.has("RT", "LT") else ("RT" if line.has("RT") else "LT",)
        for side in targets:
            sides[side] += line.units
    return max(sides.values())


@rule("LCD-FACET-LEVELS", reads={"codes", "units", "mods.side", "facts"}, severity="warning", payer="medicare",
      after=LCD_AFTER, explains=FACET_LCD, sources=("cgs-facet-2024", "noridian-facet-qa"))
def facet_levels_lcd(ctx: Ctx) -> None:
    """One or two facet levels per session: third-level codes are non-covered, and so is a third RFA joint."""
    param = _p(ctx, "facet_noncovered_addons")
    for line in ctx.claim:
        if line.code in param.value:
            _warn(ctx, f"{line.code} is a third-or-more level: the Medicare facet LCD covers one or two levels per "
                       f"session (unilateral or bilateral), so {line.code} will be denied as not reasonable and "
                       "necessary. Bill it only with a signed ABN (GA).", [line.code], param)
    limit = _p(ctx, "facet_max_levels")
    rfa = ctx.lines_of("facet_rfa")
    if rfa and _levels_per_side(ctx, rfa) > limit.value:
        _warn(ctx, f"{_levels_per_side(ctx, rfa)} facet joints ablated on one side in one session: the Medicare facet "
                   f"LCD covers at most {limit.value} levels per session (unilateral or bilateral); the extra joint "
                   "is likely denied.", [ln.code for ln in rfa], limit)


@rule("LCD-ESI-REGION", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains=ESI_LCD, sources=("cms-a58745",))
def esi_region(ctx: Ctx) -> None:
    """One spinal region per ESI session."""
    lines = ctx.lines_of("epidural_il", "tfesi")
    if len({ctx.info(ln).region for ln in lines}) > 1:  # type: ignore[union-attr]
        _warn(ctx, "Medicare ESI articles allow one spinal region per session; cervical/thoracic and lumbar/sacral "
                   "epidurals on one date will not both be covered.", [ln.code for ln in lines],
              _p(ctx, "esi_one_region"))


@rule("LCD-TF-LEVELS", reads={"codes", "units", "mods.side", "facts"}, severity="warning", payer="medicare",
      after=LCD_AFTER, explains=ESI_LCD, sources=("cms-a58745",))
def tf_levels(ctx: Ctx) -> None:
    """Transforaminal: at most two levels per session (unilateral or bilateral)."""
    tf_max = _p(ctx, "tf_max_levels")
    lines = ctx.lines_of("tfesi")
    for region in {ctx.info(ln).region for ln in lines}:  # type: ignore[union-attr]
        tf = [ln for ln in lines if ctx.info(ln).region == region]  # type: ignore[union-attr]
        levels = _levels_per_side(ctx, tf)
        if levels > tf_max.value:
            _warn(ctx, f"{levels} transforaminal levels in one session: Medicare covers at most {tf_max.value} levels "
                       "per session (unilateral or bilateral).", [ln.code for ln in tf], tf_max)


@rule("LCD-IL-LEVELS", reads={"codes", "units", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains=ESI_LCD, sources=("cms-a58745",))
def il_levels(ctx: Ctx) -> None:
    """Interlaminar or caudal: one level per session."""
    il_max = _p(ctx, "il_max_levels")
    il = ctx.lines_of("epidural_il")
    submitted = [ln for ln in ctx.submitted if (i := ctx.info(ln)) is not None and i.family == "epidural_il"]
    if max(sum(ln.units for ln in il), sum(ln.units for ln in submitted)) > il_max.value:
        _warn(ctx, f"Interlaminar or caudal epidurals: Medicare covers {il_max.value} level per session.",
              [ln.code for ln in il or submitted], il_max)


@rule("LCD-IL-BILATERAL", reads={"codes", "mods.side", "facts"}, severity="warning", payer="medicare",
      after=LCD_AFTER, explains=ESI_LCD, sources=("cms-a56681",))
def il_bilateral(ctx: Ctx) -> None:
    """No bilateral interlaminar or caudal injections."""
    for line in ctx.submitted:
        info = ctx.info(line)
        if info is not None and info.family == "epidural_il" and line.has("50"):
            _warn(ctx, "Medicare ESI articles do not allow bilateral interlaminar or caudal injections: one injection, "
                       "one unit.", [line.code], _p(ctx, "il_no_bilateral"))


@rule("LCD-IMAGING", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-epidural-steroid-injections#Imaging, unguided codes, sedation and injectates",
      sources=("cms-a57787",))
def imaging_required(ctx: Ctx) -> None:
    """The spine LCDs require fluoroscopy or CT guidance."""
    p = _p(ctx, "esi_unguided_codes")
    for line in ctx.claim:
        if line.code in p.value:
            _warn(ctx, f"{line.code} is the no-imaging code; Medicare's ESI LCDs require fluoroscopy or CT with "
                       "contrast, so an unguided epidural for pain is likely not covered.", [line.code], p)
    if ctx.facts.imaging in ("none", "ultrasound"):
        spine = ctx.lines_of("facet_injection", "tfesi", "facet_rfa", "si_nerve_block")
        if spine:
            ctx.add("Medicare's facet, ESI and SI joint LCDs require fluoroscopy or CT guidance; without it the "
                    "procedure is not covered.", [ln.code for ln in spine],
                    sources=("cms-a57787", "palmetto-facet-pa", "cms-l33906"),
                    confidence="secondary")


@rule("LCD-KX", reads={"codes", "mods.kx", "facts"}, writes={"mods.kx"}, severity="warning", payer="medicare",
      after=(*LCD_AFTER, "relief", "sessions"), explains="modifier-kx#What KX does in the Medicare pain LCDs",
      sources=("noridian-facet-qa", "cms-a59243"))
def kx(ctx: Ctx) -> None:
    """KX marks diagnostic facet, SI and selective nerve root blocks under the Medicare LCDs, and says the policy's
    requirements are met: a block whose relief threshold or session limit just failed cannot carry it."""
    p = _p(ctx, "kx_diagnostic_families")
    lines = ctx.lines_of(*p.value)
    diagnostic = ctx.facts.diagnostic
    failed_codes = {code for f in ctx.findings if f.rule in ("LCD-RELIEF", "LCD-SESSIONS") and f.severity == "warning"
                    for code in f.codes}
    failed = {ctx.family_of(ln) for ln in lines if ln.code in failed_codes}  # the session fails: its add-ons with it
    for line in list(lines):
        if diagnostic and ctx.family_of(line) in failed:
            _warn(ctx, f"{line.code}: KX attests that the LCD requirements are met, and here they are not (see the "
                       "relief or session finding), so the line goes without KX: bill it to Medicare only with a "
                       "signed ABN (GA), or not at all.", [line.code], p)
            if line.has("KX"):
                ctx.replace(line, line.with_modifiers(drop=("KX",)))
        elif diagnostic and not line.has("KX"):
            _warn(ctx, f"{line.code} is a diagnostic block: Medicare LCDs require modifier KX on diagnostic facet, SI "
                       "joint and selective nerve root blocks (without it the service counts as therapeutic).",
                  [line.code], p)
            ctx.replace(line, line.with_modifiers("KX"))
        elif diagnostic is False and line.has("KX"):
            _warn(ctx, f"{line.code}: KX marks a diagnostic block; this one is therapeutic, so remove KX.",
                  [line.code], p)
            ctx.replace(line, line.with_modifiers(drop=("KX",)))
    if diagnostic is None and any(not ln.has("KX") for ln in lines):
        _warn(ctx, "If this is a diagnostic block (e.g. a medial branch block or diagnostic SI injection), Medicare "
                   "wants modifier KX on it.", [ln.code for ln in lines], p, severity="info", pending="diagnostic")
    elif diagnostic is None and lines:
        _warn(ctx, "KX stands only if the block is diagnostic (a therapeutic injection is billed without KX).",
              [ln.code for ln in lines], p, severity="info", pending="diagnostic")


@rule("LCD-KX", reads={"mods.kx", "facts"}, severity="info", payer="commercial", after=("kx",),
      explains="modifier-kx#Traps with KX", sources=("noridian-facet-qa", "cms-a59243"))
def commercial_kx(ctx: Ctx) -> None:
    """KX is a Medicare LCD modifier; commercial payers mostly do not use it."""
    for line in list(ctx.claim):
        if line.has("KX"):
            ctx.add(f"{line.code}-KX: KX is a Medicare LCD modifier; most commercial payers do not use it. Check the "
                    "payer's policy.", [line.code], confidence="secondary")


def _session_family(ctx: Ctx, line: ClaimLine) -> str | None:
    info = ctx.info(line)
    return ctx.catalog.family(info.family).session_key(ctx.facts.diagnostic) if info else None


@rule("LCD-SESSIONS", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Levels, sessions and frequency limits",
      sources=("noridian-facet-qa", "cms-a59243"))
def sessions(ctx: Ctx) -> None:
    """Sessions per rolling 12 months: this date's session plus the prior ones must fit the LCD limit."""
    prior = ctx.facts.prior_sessions
    if not prior:
        return
    seen: set[str] = set()
    for line in ctx.claim:
        fam = _session_family(ctx, line)
        if fam is None or fam in seen:
            continue
        seen.add(fam)
        limit = ctx.policy(f"sessions.{fam}")
        done = prior.get(fam)  # type: ignore[call-overload]
        if done is not None and done + 1 > limit.value and fam == "tpi":
            _tpi_cap(ctx, line, done, limit)
        elif done is not None and done + 1 > limit.value:
            _warn(ctx, f"This would be session {done + 1} of {fam.replace('_', ' ')} in the rolling 12 months; "
                       f"Medicare allows {limit.value} (per spinal region where it applies). Expect a denial without "
                       "an ABN.", [line.code], limit)


def _tpi_cap(ctx: Ctx, line: ClaimLine, done: int, limit: Param) -> None:
    """The trigger point session cap is in some contractors' LCDs only: it applies when the question names one of
    them, waits on which LCD applies when it names none, and stays silent for an LCD without it."""
    capped = _p(ctx, "tpi_session_cap_lcds")
    named = set(ctx.facts.lcds)
    if named and not named & set(capped.value):
        return
    message = (f"This would be trigger point session {done + 1} in the rolling 12 months; the LCDs with a cap "
               f"({', '.join(capped.value)}) allow {limit.value}.")
    if named:
        _warn(ctx, message + " Expect a denial without an ABN.", [line.code], limit)
    else:
        _warn(ctx, message + " Other contractors' articles set no cap: which LCD applies to this patient?",
              [line.code], capped, severity="info", pending="lcds")


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


@rule("LCD-RELIEF", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Diagnostic blocks, relief thresholds and KX",
      sources=("cgs-facet", "ngs-si-faq"))
def relief(ctx: Ctx) -> None:
    """Relief from the prior block must meet the LCD threshold for the next procedure of that kind; a repeat with
    the relief not stated waits on it."""
    pct = ctx.facts.prior_relief_percent
    seen: set[str] = set()
    for line in ctx.claim:
        info = ctx.info(line)
        key = _relief_key(ctx, info.family) if info else None
        if key is None or key in seen:
            continue
        seen.add(key)
        need = ctx.policy(f"relief.{key}")
        if pct is None:
            if ctx.facts.prior_sessions and any(ctx.facts.prior_sessions.values()) and not ctx.facts.prior_blocks:
                _warn(ctx, f"A repeat {info.family.replace('_', ' ')} is covered only when the prior one gave at least "  # type: ignore[union-attr]
                           f"{need.value}% documented relief ({need.note}).", [line.code], need, severity="info",
                      pending="prior_relief_percent")
        elif pct < need.value:
            _warn(ctx, f"Prior relief of {pct}% is below the {need.value}% the Medicare LCD asks for here "
                       f"({need.note}). {line.code} is likely not covered.", [line.code], need)


PAIN_DURATION = {"esi_min_pain_weeks": ("epidural_il", "tfesi"),
                 "facet_min_pain_weeks": ("facet_injection", "facet_rfa"),
                 "si_min_pain_weeks": ("si_joint", "si_nerve_block")}


@rule("LCD-DURATION", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-epidural-steroid-injections#Coverage criteria", sources=("ngs-si-lcd", "cgs-facet"))
def pain_duration(ctx: Ctx) -> None:
    """The LCDs cover these injections only after the pain has lasted a minimum time (4 weeks for an ESI, 3 months
    for facet and SI procedures); a shorter duration stated in the note is a coverage problem."""
    weeks = ctx.facts.pain_weeks
    if weeks is None:
        return
    for name, families in PAIN_DURATION.items():
        lines = ctx.lines_of(*families)
        need = _p(ctx, name)
        if name == "esi_min_pain_weeks" and ctx.facts.acute_zoster:
            continue  # the ESI LCDs except pain from acute herpes zoster from the 4 weeks
        if lines and weeks < need.value:
            _warn(ctx, f"The pain has lasted about {weeks} week(s); the Medicare LCD covers this procedure only after "
                       f"{need.value} weeks ({need.note}). Expect a denial without an ABN.",
                  [ln.code for ln in lines], need)


@rule("LCD-SI-PROVOCATIVE", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-sacroiliac-joint#Who qualifies", sources=("ngs-si-lcd",))
def si_provocative_tests(ctx: Ctx) -> None:
    """The SI LCDs cover a diagnostic or therapeutic SI procedure only with at least three positive provocative tests
    documented; fewer stated in the note is a coverage problem."""
    found = ctx.facts.provocative_tests
    lines = ctx.lines_of("si_joint", "si_nerve_block")
    need = _p(ctx, "si_min_provocative_tests")
    if found is not None and lines and found < need.value:
        _warn(ctx, f"The note documents {found} positive provocative test(s); the Medicare SI LCD covers SI joint "
                   f"procedures only with at least {need.value} ({need.note}). Expect a denial without an ABN.",
              [ln.code for ln in lines], need)


@rule("LCD-RFA-BLOCKS", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Diagnostic blocks, relief thresholds and KX",
      sources=("cgs-facet",))
def rfa_blocks(ctx: Ctx) -> None:
    """A first facet RFA needs two diagnostic medial branch blocks, each with at least 80% relief; a repeat RFA needs
    at least 50% relief that lasted at least 6 months."""
    lines = ctx.lines_of("facet_rfa")
    if not lines:
        return
    codes = [ln.code for ln in lines]
    facts = ctx.facts
    again = _p(ctx, "rfa_blocks_again_after_months")
    if facts.prior_sessions.get("rfa") and facts.months_since_prior is not None and \
            facts.months_since_prior > again.value and not facts.prior_blocks:
        _warn(ctx, f"The prior RFA was {facts.months_since_prior} months ago, more than {again.value}: the LCD wants "
                   "the two diagnostic medial branch blocks repeated before another RFA.", codes, again)
        return
    if facts.prior_sessions.get("rfa"):
        need, months = ctx.policy("relief.rfa_repeat"), _p(ctx, "rfa_repeat_months")
        lasted = facts.relief_months
        since = facts.days_since_global_procedure
        if lasted is None and since is not None and since < months.value * 30:
            lasted = since // 30  # "the last RFA was 4 months ago": relief cannot have lasted longer than that
        if lasted is not None and lasted < months.value:
            _warn(ctx, f"A repeat facet RFA needs at least {need.value}% relief lasting at least {months.value} months "
                       f"from the prior ablation; {lasted} months is short of that.", codes, months)
        elif lasted is None:
            _warn(ctx, f"A repeat facet RFA is covered only when the prior one gave at least {need.value}% relief "
                       f"lasting at least {months.value} months (the question does not say how long).", codes, months,
                  severity="info", pending="relief_months")
        return
    initial = ctx.policy("relief.rfa_initial")
    blocks = facts.prior_blocks
    if not blocks:
        _warn(ctx, f"Covered only if two diagnostic medial branch blocks each gave at least {initial.value}% relief "
                   "(the question does not say).", codes, initial, severity="info", pending="prior_blocks")
        return
    short = [b for b in blocks if b < initial.value]
    if len(blocks) < 2 or short:
        why = (f"only {len(blocks)} diagnostic block was documented" if len(blocks) < 2
               else f"a diagnostic block gave {short[0]}% relief")
        _warn(ctx, f"The Medicare facet LCD covers RFA after two diagnostic medial branch blocks each with at least "
                   f"{initial.value}% relief; {why}.", codes, initial)


@rule("LCD-FACET-THERAPEUTIC", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Therapeutic IA injections and RFA", sources=("cgs-facet",))
def facet_therapeutic(ctx: Ctx) -> None:
    """A therapeutic intra-articular facet injection is covered only with the documented reason the patient cannot
    have radiofrequency ablation (besides two positive diagnostic blocks and lasting relief from the last one)."""
    lines = ctx.lines_of("facet_injection")
    if not lines or ctx.facts.diagnostic is not False:
        return
    codes = [ln.code for ln in lines]
    cite = ctx.lcd_citation("facet", COVERAGE_SECTION)
    if ctx.facts.rfa_not_possible is False:
        ctx.add("The Medicare facet LCD covers a therapeutic intra-articular facet injection only when the note "
                "documents why the patient cannot have radiofrequency ablation; this note does not.", codes,
                citations=cite)
    elif ctx.facts.rfa_not_possible is None:
        ctx.add("Covered only if the note documents why the patient cannot have radiofrequency ablation (the "
                "question does not say).", codes, severity="info", pending="rfa_not_possible", citations=cite)


@rule("LCD-INDICATION", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="lcd-facet-joint-interventions#Who qualifies: indications and diagnoses", sources=("cgs-facet",))
def indication(ctx: Ctx) -> None:
    """Facet procedures are for axial pain without untreated radiculopathy; ESIs are for radicular pain."""
    radicular = ctx.facts.radicular
    if radicular is None:
        return
    facet = ctx.lines_of("facet_injection", "facet_us", "facet_rfa")
    esi = ctx.lines_of("epidural_il", "tfesi", "epidural_catheter")
    if radicular and facet:
        ctx.add("The Medicare facet LCD covers facet blocks and ablation for axial neck or back pain without untreated "
                "radiculopathy or neurogenic claudication (a facet synovial cyst is the exception); with radicular "
                "pain these services are likely denied.", [ln.code for ln in facet], sources=("cgs-facet",),
                confidence="confirmed")
    if radicular is False and esi:
        ctx.add("The Medicare ESI LCDs cover epidural steroid injections for radicular pain, radiculopathy or "
                "neurogenic claudication; non-radicular axial pain is not covered.", [ln.code for ln in esi],
                sources=("cms-l33906",), confidence="unconfirmed")


@rule("LCD-SEDATION", reads={"codes", "facts"}, severity="warning", payer="medicare", after=LCD_AFTER,
      explains="sedation-and-anesthesia#The short answer", sources=("ngs-sedation", "cgs-anesthesia-2025"))
def sedation(ctx: Ctx) -> None:
    """Sedation, MAC or general anesthesia with pain procedures, per jurisdiction and date of service: since the 2024
    facet LCD revisions it is not reasonable and necessary with facet injections and MBBs (before them: not routine,
    appealable); for RFA only routine use is excluded; with epidural and SI procedures it is not routinely
    reimbursable, and CGS denies it outright. The trigger point articles leave anesthesia off 20552/20553."""
    if not ctx.facts.sedation:
        return
    facet = ctx.lines_of("facet_injection", "facet_us")
    if facet:
        p = _p(ctx, "sedation_facet")
        if p.value == "not_covered":
            text = ("moderate sedation, MAC and general anesthesia are not reasonable and necessary with facet joint "
                    "injections or medial branch blocks: the anesthesia will be denied (bill it only with a signed "
                    "ABN).")
        else:
            text = ("moderate sedation or MAC is not routinely necessary with facet injections or medial branch "
                    "blocks (general anesthesia is not reasonable and necessary); it needs documented patient-specific "
                    "reasons and may be denied.")
        _warn(ctx, f"Under the facet LCD in force on this date ({p.revision or 'current revision'}), {text}",
              [ln.code for ln in facet], p)
    rfa = ctx.lines_of("facet_rfa")
    if rfa and ctx.facts.sedation_reason is not True:
        unknown = ctx.facts.sedation_reason is None  # routine use is excluded; a documented reason is covered
        _warn(ctx, "The facet LCD excludes routine sedation or MAC with radiofrequency ablation; it is covered only "
                   "with documented patient-specific reasons" + (" (the question does not say whether the note has "
                   "them)." if unknown else "."), [ln.code for ln in rfa], _p(ctx, "sedation_facet"),
              **({"severity": "info", "pending": "sedation_reason"} if unknown else {}))
    other = ctx.lines_of(*(f for f in SPINE if f not in ("facet_injection", "facet_us", "facet_rfa")))
    if other:
        p = _p(ctx, "sedation_other")
        text = ("sedation or anesthesia billed with a pain procedure other than RFA is denied." if p.value == "denied"
                else "moderate sedation, MAC or general anesthesia is not routinely reasonable and necessary with "
                     "epidural or SI joint injections; it needs documented patient-specific reasons and may be denied.")
        _warn(ctx, text[0].upper() + text[1:], [ln.code for ln in other], p)
    tpi = ctx.lines_of("trigger_point")
    if tpi:
        ctx.add("Anesthesia (sedation or MAC) is not billed with trigger point injections under the Medicare trigger "
                "point billing articles; only the injection line goes on the claim.", [ln.code for ln in tpi],
                sources=("cms-a59480",), confidence="unconfirmed")


@rule("LCD-FACET-REGION", reads={"codes", "facts"}, severity="info", payer="medicare", after=LCD_AFTER,
      explains=FACET_LCD, sources=("cgs-t12-l1",))
def thoracolumbar_counting(ctx: Ctx) -> None:
    """Some jurisdictions count facet work at T12-L1 and L1-2 in one session as one lumbar-region session (CGS from
    2025-01-01, billing article A58364): a claim with thoracic and lumbar facet codes gets the instruction there, and
    a note naming those jurisdictions when no MAC is known."""
    facet = ctx.lines_of("facet_injection", "facet_rfa")
    regions = {ctx.info(ln).region for ln in facet}  # type: ignore[union-attr]
    if len(regions) < 2:
        return
    p = _p(ctx, "facet_t12_l1_one_session")
    if p.value is True:
        _warn(ctx, f"If the levels are T12-L1 and L1-2: {p.note}.",
              [ln.code for ln in facet], p)
    elif p.differs:
        _warn(ctx, "Thoracic and lumbar facet codes on one date: if the levels are T12-L1 and L1-2, some "
                   "jurisdictions count them as one lumbar session.", [ln.code for ln in facet], p)
