"""Panel patterns: what auditors (OIG, MACs, UPICs) look for across a practice's claims, not inside one claim.

Each pattern names the rule or the audit finding behind it and reports the numbers behind every flag, plus the claims
(claim id, date of service, file line numbers) a billing lead needs to pull for review. Sources are those collected in
/work/shared/domain/facts.md §6 (LCDs) and §7 (OIG findings); the LCD limits themselves come from the rules catalog.

| id             | what                                                        | basis                                 |
|----------------|-------------------------------------------------------------|---------------------------------------|
| MOD25-RATE     | E/M-25 on injection days, per provider (flag above 50%)     | OIG OEI-07-03-00470, A-09-23-03014    |
| TPI-CADENCE    | TPI sessions < 60 days apart or > 3 per rolling 12 months   | TPI LCD L39656/A59480, L37913/A59553  |
| LCD-SESSIONS   | sessions per patient, region, rolling 12 months, per limit  | ESI, facet, SI LCDs; OIG              |
|                |                                                             | A-07-21-00618, A-09-20-03003,         |
|                |                                                             | A-09-21-03002                         |
| LEVELS         | levels per session beyond the family's LCD limit            | facet LCD group 2, ESI article A58745 |
| US-20611       | 20611 share of major-joint injections; 20611 with 76942     | CPT 20611, CPT Assistant Nov 2015     |
| MOD59-XS       | 59 where the specific XS (separate structure) fits          | CMS X{EPSU} (CR8863); OIG modifier 59 |
| BILATERAL-RTLT | bilateral billed as RT + LT lines on Medicare office claims | MPFS bilateral indicator 1 (use 50)   |
| ADDON-ALONE    | add-on codes without their primary on the same claim        | CPT add-on convention                 |
| EM-IN-GLOBAL   | E/M within 10 days after a 010-global procedure             | MPFS global days; CPM Ch. 12          |

A session is one date of service (NGS SI FAQ: all procedures on one day are one session). "Rolling 12 months" counts
the sessions in the year ending on each session date (the date one year earlier excluded). Which family counts
toward which session limit, and which families have a level limit, is read from the family registry
(families.yaml `sessions`, `level_limit`); the limits themselves from lcd.yaml.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field

from advisor.audit.atrisk import DollarsAtRisk
from advisor.audit.csv_input import Row
from advisor.rules.catalog import Catalog, CodeInfo
from advisor.rules.context import X_MODIFIERS
from advisor.rules.model import ClaimType, Payer
from advisor.rules.registry import Family

Number = int | float | str
TPI_SESSIONS = "tpi"  # the lcd.yaml session limit TPI-CADENCE checks (with the cadence); LCD-SESSIONS checks the rest

OIG_MOD25 = ("OIG OEI-07-03-00470 (Nov 2005), Use of Modifier 25: 35% of E/M services billed with modifier 25 did "
             "not meet program requirements (about $538 million)")
OIG_MOD25_2025 = ("OIG A-09-23-03014 (May 2025): same-day E/M with modifier 25 on injection days is audited; in 22 of "
                  "24 sampled cases the documentation did not support 25")
OIG_MOD59 = ("OIG modifier 59 report (2005, companion to OEI-07-03-00470; number unconfirmed): 40% of code pairs "
             "billed with 59 did not meet requirements")
OIG_ESI = "OIG A-07-21-00618 (2023): $3.6 million improper for ESI sessions over LCD limits"
OIG_FACET = "OIG A-09-20-03003 (Oct 2020): facet injection sessions over the LCD limit per region per 12 months"
OIG_RFA = "OIG A-09-21-03002 (Dec 2021): $9.5 million improper for facet denervation over 2 sessions per 12 months"
OIG_FACET_2023 = "OIG 2023 facet interventions audit: 66 of 120 sampled sessions non-compliant (about $29.6 million)"
TPI_LCD = "TPI LCDs L39656/A59480 and L37913/A59553: no more than 3 TPI sessions per rolling 12 months"
ESI_LCD = "Medicare ESI LCDs (L39240, L33906; billing article A58745): 4 sessions per region per 12 months, TF 2 levels"
FACET_LCD = ("Medicare facet LCD (L38841/L35936/L38801; A57826/A58350/A57787/A58403): 1-2 levels per session, "
             "64492/64495 non-covered, RFA 2 sessions per region per 12 months")
SI_LCD = "Medicare SI joint LCD (L39455/L39402/L39475; CMS A59243): 2 diagnostic / 4 therapeutic sessions per 12 months"


class ClaimRef(BaseModel):
    claim_id: str
    dos: date
    lines: list[int] = Field(default_factory=list, description="Line numbers in the uploaded file.")
    codes: list[str] = Field(default_factory=list, description="The claim lines behind the flag, as billed.")


class PatternFlag(BaseModel):
    """One provider, patient or claim that trips the pattern, with the numbers and the claims to pull."""

    subject: str
    level: Literal["flag", "review"] = "flag"
    message: str
    numbers: dict[str, Number] = Field(default_factory=dict)
    claims: list[ClaimRef] = Field(default_factory=list)
    claims_total: int = 0


class PatternResult(BaseModel):
    id: str
    title: str
    basis: str = Field(description="The rule or audit finding behind the pattern, in plain words.")
    references: list[str] = Field(default_factory=list)
    threshold: str
    flagged: bool = False
    checked: int = Field(0, description="Providers, patients or claims examined.")
    flags: list[PatternFlag] = Field(default_factory=list)
    table: list[dict[str, Number]] = Field(default_factory=list, description="Per-subject numbers (charts).")
    at_risk: DollarsAtRisk | None = Field(None, description="Estimated allowed amount of the flagged lines; only "
                                          "when the MPFS RVU file is imported.")


class AuditOptions(BaseModel):
    """Thresholds of the panel patterns (all configurable; defaults follow the issue and the LCDs)."""

    mod25_threshold: float = Field(0.5, ge=0, le=1, description="Flag a provider above this E/M-25 rate.")
    mod25_min_days: int = Field(5, ge=1, description="Injection days a provider needs before the rate is judged.")
    tpi_min_interval_days: int = Field(60, ge=1)
    us_share_threshold: float = Field(0.9, ge=0, le=1, description="20611 share (of 20610+20611) marked for review.")
    us_min_lines: int = Field(10, ge=1)
    lcd_medicare_only: bool = Field(True, description="Apply LCD limits (sessions, levels) to Medicare claims only.")
    max_claims_per_flag: int = Field(200, ge=1)


@dataclass
class Claim:
    claim_id: str
    dos: date
    rows: list[Row]

    @property
    def patient_id(self) -> str:
        return self.rows[0].patient_id

    @property
    def provider(self) -> str:
        return self.rows[0].provider

    @property
    def payer(self) -> Payer:
        return self.rows[0].payer

    @property
    def claim_type(self) -> ClaimType:
        return self.rows[0].claim_type


def ref(claim: Claim, rows: Iterable[Row] | None = None) -> ClaimRef:
    chosen = list(rows) if rows is not None else claim.rows
    return ClaimRef(claim_id=claim.claim_id, dos=claim.dos, lines=[r.line for r in chosen],
                    codes=[str(r.claim_line) for r in chosen])


def _refs(pairs: list[ClaimRef], limit: int) -> tuple[list[ClaimRef], int]:
    unique: dict[tuple[str, date], ClaimRef] = {}
    for r in pairs:
        key = (r.claim_id, r.dos)
        if key in unique:
            merged = unique[key]
            for ln, code in zip(r.lines, r.codes, strict=True):
                if ln not in merged.lines:
                    merged.lines.append(ln)
                    merged.codes.append(code)
        else:
            unique[key] = r.model_copy(deep=True)
    items = sorted(unique.values(), key=lambda r: (r.dos, r.claim_id))
    return items[:limit], len(items)


def _flag(subject: str, message: str, numbers: dict[str, Number], claims: list[ClaimRef], opts: AuditOptions,
          level: Literal["flag", "review"] = "flag") -> PatternFlag:
    shown, total = _refs(claims, opts.max_claims_per_flag)
    return PatternFlag(subject=subject, level=level, message=message, numbers=numbers, claims=shown,
                       claims_total=total)


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def rolling_counts(dates: list[date]) -> list[int]:
    """For each (sorted, distinct) session date, the sessions in the 12 months ending on it."""
    out = []
    for i, d in enumerate(dates):
        start = bisect.bisect_right(dates, _year_before(d))
        out.append(i - start + 1)
    return out


class Panel:
    """Indexes the claims once; each pattern method reads from these indexes."""

    def __init__(self, claims: list[Claim], catalog: Catalog, options: AuditOptions) -> None:
        self.claims = claims
        self.catalog = catalog
        self.opts = options
        self._info: dict[str, CodeInfo | None] = {}

    def info(self, code: str) -> CodeInfo | None:
        if code not in self._info:
            self._info[code] = self.catalog.code(code)
        return self._info[code]

    def family(self, row: Row) -> Family | None:
        """The row's family in the registry (None for a code the catalog does not know)."""
        info = self.info(row.code)
        return self.catalog.family(info.family) if info else None

    def is_visit(self, row: Row) -> bool:
        fam = self.family(row)
        return fam is not None and fam.act == "visit"

    def is_procedure(self, row: Row) -> bool:
        fam = self.family(row)
        info = self.info(row.code)
        return fam is not None and fam.procedure and info is not None and info.global_days in ("000", "010")

    def session_key(self, row: Row) -> str | None:
        """The LCD session limit a row counts toward (families.yaml `sessions`): KX marks a diagnostic block."""
        fam = self.family(row)
        return fam.session_key(row.claim_line.has("KX")) if fam else None

    def lcd_applies(self, claim: Claim) -> bool:
        return not self.opts.lcd_medicare_only or claim.payer is Payer.MEDICARE

    # ------------------------------------------------------------------ modifier 25
    def mod25(self) -> PatternResult:
        t = self.opts.mod25_threshold
        days: dict[str, dict[tuple[str, date], list[tuple[Claim, Row]]]] = defaultdict(lambda: defaultdict(list))
        for claim in self.claims:
            for row in claim.rows:
                days[claim.provider][(claim.patient_id, claim.dos)].append((claim, row))
        result = PatternResult(
            id="MOD25-RATE", title="Modifier 25 on injection days, per provider",
            basis="An E/M on the day of a 000/010-global injection is billable only for a significant, separately "
            "identifiable problem (NCCI Ch. I §D). A provider who bills E/M-25 on most injection days is a classic "
            "audit target: OIG found 35% of E/M-25 services did not meet requirements.",
            references=[OIG_MOD25, OIG_MOD25_2025, *self.catalog.cite(["ncci-ch1-em", "cpm-ch12"])],
            threshold=f"E/M-25 on more than {_pct(t)} of a provider's injection days (at least "
                      f"{self.opts.mod25_min_days} injection days)",
        )
        total_inj = total_25 = 0
        for provider in sorted(days):
            inj_days = em_days = em25_days = 0
            claims25: list[ClaimRef] = []
            for _, items in days[provider].items():
                if not any(self.is_procedure(r) for _, r in items):
                    continue
                inj_days += 1
                ems = [(c, r) for c, r in items if self.is_visit(r)]
                if ems:
                    em_days += 1
                    with25 = [(c, r) for c, r in ems if r.claim_line.has("25")]
                    if with25:
                        em25_days += 1
                        for c, _r in with25:
                            claims25.append(ref(c))
            if inj_days == 0:
                continue
            total_inj += inj_days
            total_25 += em25_days
            rate = em25_days / inj_days
            share = em25_days / em_days if em_days else 0.0
            numbers: dict[str, Number] = {
                "provider": provider, "injection_days": inj_days, "em_days": em_days, "em25_days": em25_days,
                "mod25_rate": round(rate, 4), "em_with_25_share": round(share, 4),
            }
            result.table.append(numbers)
            result.checked += 1
            if inj_days >= self.opts.mod25_min_days and rate > t:
                result.flags.append(_flag(
                    f"provider {provider}",
                    f"E/M with 25 on {em25_days} of {inj_days} injection days ({_pct(rate)}; threshold {_pct(t)}); "
                    f"{_pct(share)} of the {em_days} E/M visits on injection days carry 25. Pull the notes: each "
                    "needs a separate, significant problem beyond the decision to inject.",
                    {k: v for k, v in numbers.items() if k != "provider"}, claims25, self.opts,
                ))
        if total_inj:
            result.table.sort(key=lambda r: -float(r["mod25_rate"]))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ trigger points
    def tpi(self) -> PatternResult:
        limit = self.catalog.sessions[TPI_SESSIONS]
        gap = self.opts.tpi_min_interval_days
        sessions: dict[str, dict[date, list[tuple[Claim, Row]]]] = defaultdict(lambda: defaultdict(list))
        for claim in self.claims:
            for row in claim.rows:
                if self.session_key(row) == TPI_SESSIONS:
                    sessions[claim.patient_id][claim.dos].append((claim, row))
        result = PatternResult(
            id="TPI-CADENCE", title="Trigger point injection cadence, per patient",
            basis=f"The TPI LCDs allow no more than {limit.value} TPI sessions per rolling 12 months; sessions closer "
                  f"than {gap} days apart suggest routine, scheduled injections rather than a documented response.",
            references=[TPI_LCD, *self.catalog.cite(limit.sources)],
            threshold=f"sessions less than {gap} days apart, or more than {limit.value} sessions in 12 months",
        )
        for patient in sorted(sessions):
            dates = sorted(sessions[patient])
            result.checked += 1
            counts = rolling_counts(dates)
            close = [(a, b) for a, b in pairwise(dates) if (b - a).days < gap]
            over = [d for d, n in zip(dates, counts, strict=True) if n > limit.value]
            if not close and not over:
                continue
            intervals = [(b - a).days for a, b in pairwise(dates)]
            involved = {d for pair in close for d in pair} | set(over)
            claims = [ref(c, [r]) for d in sorted(involved) for c, r in sessions[patient][d]]
            result.flags.append(_flag(
                f"patient {patient}",
                f"{len(dates)} TPI sessions from {dates[0]} to {dates[-1]}; {len(close)} gap(s) under {gap} days "
                f"(shortest {min(intervals)} days); at most {max(counts)} sessions in a rolling 12 months (limit "
                f"{limit.value}).",
                {"sessions": len(dates), "short_gaps": len(close), "shortest_gap_days": min(intervals) if intervals
                 else 0, "max_sessions_12m": max(counts), "limit": limit.value, "over_limit_sessions": len(over)},
                claims, self.opts,
            ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ LCD session limits
    def sessions(self) -> PatternResult:
        groups: dict[tuple[str, str, str], dict[date, list[tuple[Claim, Row]]]] = defaultdict(
            lambda: defaultdict(list))
        for claim in self.claims:
            if not self.lcd_applies(claim):
                continue
            for row in claim.rows:
                key, info = self.session_key(row), self.info(row.code)
                if key is None or key == TPI_SESSIONS or info is None:
                    continue
                groups[(claim.patient_id, key, info.region or "unspecified")][claim.dos].append((claim, row))
        keys = dict.fromkeys(k for fam in self.catalog.registry.families.values() for k in fam.session_keys
                             if k != TPI_SESSIONS)
        limits = {k: self.catalog.sessions[k] for k in keys}
        cites = sorted({s for p in limits.values() for s in p.sources})
        caps = ", ".join(f"{k.replace('_', ' ')} {p.value}{' (unconfirmed)' if p.confidence == 'unconfirmed' else ''}"
                         for k, p in limits.items())
        result = PatternResult(
            id="LCD-SESSIONS", title="LCD session limits per patient, region and rolling 12 months",
            basis=f"Medicare LCDs cap sessions per rolling 12 months, per spinal region for the spine procedures: "
                  f"{caps}. A session is one date of service. Where the purpose sets the limit, sessions billed "
                  "with KX count as diagnostic and the others as therapeutic. OIG has recovered payments for "
                  "sessions over these limits.",
            references=[ESI_LCD, FACET_LCD, SI_LCD, OIG_ESI, OIG_FACET, OIG_RFA, *self.catalog.cite(cites)],
            threshold="; ".join(f"{k.replace('_', ' ')} {p.value}" for k, p in limits.items())
                      + (" (Medicare claims only)" if self.opts.lcd_medicare_only else ""),
        )
        for (patient, key, region), by_date in sorted(groups.items()):
            dates = sorted(by_date)
            counts = rolling_counts(dates)
            limit = limits[key]
            peak = max(counts)
            result.checked += 1
            result.table.append({"patient": patient, "family": key, "region": region, "sessions": len(dates),
                                 "max_sessions_12m": peak, "limit": limit.value})
            if peak <= limit.value:
                continue
            over = [d for d, n in zip(dates, counts, strict=True) if n > limit.value]
            claims = [ref(c, [r]) for d in over for c, r in by_date[d]]
            result.flags.append(_flag(
                f"patient {patient}, {key.replace('_', ' ')}, {region.replace('_', '/')}",
                f"{peak} {key.replace('_', ' ')} sessions in a rolling 12 months in the {region.replace('_', '/')} "
                f"region (limit {limit.value}); over the limit on {', '.join(str(d) for d in over[:10])}"
                f"{' …' if len(over) > 10 else ''}.",
                {"sessions": len(dates), "max_sessions_12m": peak, "limit": limit.value,
                 "over_limit_sessions": len(over), "confidence": limit.confidence},
                claims, self.opts,
            ))
        result.table.sort(key=lambda r: (-float(r["max_sessions_12m"]) / float(r["limit"]), str(r["patient"])))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ levels per session
    def _over_levels(self, rows: list[Row], limit: int) -> bool:
        """More levels on one side of one region than the limit: by units (50 counts for both sides, RT/LT for
        one), or a code whose level position starts beyond it (64495 is the third level and up)."""
        levels: dict[tuple[str | None, str], int] = defaultdict(int)
        for r in rows:
            info = self.info(r.code)
            if info is None:
                continue
            if info.level is not None and int(info.level.rstrip("+")) > limit:
                return True
            side = "RT" if r.claim_line.has("RT") else "LT" if r.claim_line.has("LT") else "both"
            levels[(info.region, side)] += r.claim_line.units
        return bool(levels) and max(levels.values()) > limit

    def levels(self) -> PatternResult:
        families = self.catalog.registry.families
        limits = {fid: self.catalog.param(name) for fid, fam in families.items()
                  if (name := fam.level_limit) is not None and fam.counts == "levels"}
        noncovered = self.catalog.param("facet_noncovered_addons")
        per_provider: dict[str, list[tuple[str, ClaimRef]]] = defaultdict(list)
        sessions_by_provider: dict[str, int] = defaultdict(int)
        for claim in self.claims:
            if not self.lcd_applies(claim):
                continue
            by_family: dict[str, list[Row]] = defaultdict(list)
            for r in claim.rows:
                fam = self.family(r)
                if fam is not None and fam.id in limits:
                    by_family[fam.id].append(r)
            if not by_family:
                continue
            sessions_by_provider[claim.provider] += 1
            for fid, rows in by_family.items():
                limit = limits[fid].value
                if self._over_levels(rows, limit):
                    per_provider[claim.provider].append((f"{families[fid].label} > {limit} levels", ref(claim, rows)))
        caps = "; ".join(f"{families[fid].label} {p.value}" for fid, p in limits.items())
        result = PatternResult(
            id="LEVELS", title="Levels beyond the LCD limit per session",
            basis=f"Medicare LCDs and billing articles cover a limited number of levels per session, unilateral or "
                  f"bilateral: {caps}. Third-level facet codes ({'/'.join(noncovered.value)}) are in the "
                  "non-covered group.",
            references=[FACET_LCD, ESI_LCD, OIG_FACET_2023,
                        *self.catalog.cite(sorted({*noncovered.sources,
                                                   *(s for p in limits.values() for s in p.sources)}))],
            threshold=f"any session with more levels on one side than its limit ({caps})"
                      + (" (Medicare claims only)" if self.opts.lcd_medicare_only else ""),
        )
        result.checked = len(sessions_by_provider)
        for provider in sorted(per_provider):
            items = per_provider[provider]
            kinds: dict[str, int] = defaultdict(int)
            for kind, _ in items:
                kinds[kind] += 1
            n = sessions_by_provider[provider]
            result.table.append({"provider": provider, "spine_sessions": n, "over_levels": len(items)})
            result.flags.append(_flag(
                f"provider {provider}",
                f"{len(items)} of {n} level-counted sessions go beyond the levels Medicare covers ("
                + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + ").",
                {"spine_sessions": n, "sessions_over_levels": len(items), "share": round(len(items) / n, 4)},
                [r for _, r in items], self.opts,
            ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ 20611 / 76942
    def us20611(self) -> PatternResult:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"20610": 0, "20611": 0})
        with76942: dict[str, list[ClaimRef]] = defaultdict(list)
        with20611: dict[str, list[Claim]] = defaultdict(list)  # per provider, so a flag does not rescan every claim
        for claim in self.claims:
            codes = {r.code for r in claim.rows}
            if "20611" in codes:
                with20611[claim.provider].append(claim)
            for r in claim.rows:
                if r.code in ("20610", "20611"):
                    counts[claim.provider][r.code] += 1
            if "20611" in codes and "76942" in codes:
                with76942[claim.provider].append(ref(claim, [r for r in claim.rows if r.code in ("20611", "76942")]))
        t = self.opts.us_share_threshold
        result = PatternResult(
            id="US-20611", title="Ultrasound-guided major joint injections (20611 vs 20610; 20611 with 76942)",
            basis="20611 includes the ultrasound guidance and needs real-time imaging, a permanently recorded image "
                  "and a report (otherwise 20610). 76942 is never billed with 20604/20606/20611. A provider billing "
                  "nearly every major joint injection as 20611 should be able to show the saved images.",
            references=self.catalog.cite(["supercoder-20611", "supercoder-arthro", "codingahead-76942"]),
            threshold=f"any 20611 + 76942 on one claim; 20611 share above {_pct(t)} (of at least "
                      f"{self.opts.us_min_lines} major joint lines) marked for review",
        )
        for provider in sorted(set(counts) | set(with76942)):
            c = counts[provider]
            total = c["20610"] + c["20611"]
            share = c["20611"] / total if total else 0.0
            result.checked += 1
            numbers: dict[str, Number] = {"lines_20610": c["20610"], "lines_20611": c["20611"],
                                          "share_20611": round(share, 4),
                                          "claims_20611_with_76942": len(with76942[provider])}
            result.table.append({"provider": provider, **numbers})
            if with76942[provider]:
                result.flags.append(_flag(
                    f"provider {provider}",
                    f"{len(with76942[provider])} claim(s) bill 76942 with 20611, whose ultrasound guidance is already "
                    f"included; 20611 is {_pct(share)} of {total} major joint lines.",
                    numbers, with76942[provider], self.opts,
                ))
            elif total >= self.opts.us_min_lines and share > t:
                claims = [ref(cl, [r for r in cl.rows if r.code == "20611"]) for cl in with20611[provider]]
                result.flags.append(_flag(
                    f"provider {provider}",
                    f"20611 is {_pct(share)} of {total} major joint injection lines (review threshold {_pct(t)}): "
                    "check that each note has the saved ultrasound image and a report.",
                    numbers, claims, self.opts, level="review",
                ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ 59 vs XS
    def mod59(self) -> PatternResult:
        stats: dict[str, dict[str, int]] = defaultdict(lambda: {"59": 0, "X": 0})
        hits: dict[str, list[ClaimRef]] = defaultdict(list)
        for claim in self.claims:
            procs = [r for r in claim.rows if self.family(r) is not None and not self.is_visit(r)]
            for r in claim.rows:
                if self.is_visit(r):
                    continue
                if r.claim_line.has(*(m for m in X_MODIFIERS if m != "59")):
                    stats[claim.provider]["X"] += 1
                if r.claim_line.has("59"):
                    stats[claim.provider]["59"] += 1
                    if len(procs) > 1:
                        hits[claim.provider].append(ref(claim, [r]))
        result = PatternResult(
            id="MOD59-XS", title="Modifier 59 where XS (separate structure) fits",
            basis="CMS created XE/XS/XP/XU as more specific subsets of 59 and asks for them where they apply; for two "
                  "procedures at different sites the fitting modifier is XS (or RT/LT where they describe the site). "
                  "OIG found 40% of code pairs billed with 59 did not meet requirements.",
            references=[OIG_MOD59, *self.catalog.cite(["cms-xepsu", "texmed-xs"])],
            threshold="any 59 on a procedure line billed with another procedure on the same claim",
        )
        for provider in sorted(stats):
            s = stats[provider]
            result.checked += 1
            share = s["59"] / (s["59"] + s["X"]) if s["59"] + s["X"] else 0.0
            result.table.append({"provider": provider, "lines_59": s["59"], "lines_x": s["X"],
                                 "share_59": round(share, 4)})
            if hits[provider]:
                result.flags.append(_flag(
                    f"provider {provider}",
                    f"{len(hits[provider])} procedure line(s) carry 59 next to another procedure; 59 is "
                    f"{_pct(share)} of this provider's 59/X modifiers. Use XS for a separate site (or RT/LT).",
                    {"lines_59": s["59"], "lines_x": s["X"], "share_59": round(share, 4),
                     "lines_59_xs_fits": len(hits[provider])},
                    hits[provider], self.opts,
                ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ RT/LT pairs
    def bilateral(self) -> PatternResult:
        hits: dict[str, list[ClaimRef]] = defaultdict(list)
        checked: set[str] = set()
        for claim in self.claims:
            if claim.payer is not Payer.MEDICARE or claim.claim_type is not ClaimType.PROFESSIONAL:
                continue
            checked.add(claim.provider)
            by_code: dict[str, list[Row]] = defaultdict(list)
            for r in claim.rows:
                by_code[r.code].append(r)
            for code, rows in by_code.items():
                info = self.info(code)
                if info is None or info.bilateral != 1 or len(rows) < 2:
                    continue
                rt = [r for r in rows if r.claim_line.has("RT")]
                lt = [r for r in rows if r.claim_line.has("LT")]
                if rt and lt:
                    hits[claim.provider].append(ref(claim, rt + lt))
        result = PatternResult(
            id="BILATERAL-RTLT", title="Bilateral procedures billed as two RT/LT lines instead of modifier 50",
            basis="For codes with MPFS bilateral indicator 1, a Medicare physician claim reports the bilateral "
                  "procedure on one line with modifier 50 and 1 unit (RT/LT lines are the ASC facility convention).",
            references=self.catalog.cite(["fcso-bilateral", "cms-a59243"]),
            threshold="any RT + LT pair of the same bilateral-indicator-1 code on a Medicare office (professional) "
                      "claim",
        )
        result.checked = len(checked)
        for provider in sorted(hits):
            result.flags.append(_flag(
                f"provider {provider}",
                f"{len(hits[provider])} claim(s) bill a bilateral procedure as RT and LT lines; bill CODE-50 x1.",
                {"claims": len(hits[provider])}, hits[provider], self.opts,
            ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ add-ons alone
    def addons(self) -> PatternResult:
        hits: dict[str, list[ClaimRef]] = defaultdict(list)
        for claim in self.claims:
            codes = {r.code for r in claim.rows}
            for r in claim.rows:
                info = self.info(r.code)
                if info is None or not info.addon or info.open_primaries or not info.primaries:
                    continue
                if not codes.intersection(info.primaries):
                    hits[claim.provider].append(ref(claim, [r]))
        result = PatternResult(
            id="ADDON-ALONE", title="Add-on codes billed without their primary procedure",
            basis="An add-on code (ZZZ global) is only reported with its primary procedure on the same date and "
                  "claim; alone it is denied.",
            references=self.catalog.cite(["cpt-convention", "fcso-facet"]),
            threshold="any add-on line whose primary code is not on the same claim",
        )
        result.checked = len({c.provider for c in self.claims})
        for provider in sorted(hits):
            result.flags.append(_flag(
                f"provider {provider}",
                f"{len(hits[provider])} add-on line(s) without their primary: "
                + ", ".join(sorted({c for h in hits[provider] for c in h.codes}))[:200] + ".",
                {"lines": len(hits[provider])}, hits[provider], self.opts,
            ))
        result.flagged = bool(result.flags)
        return result

    # ------------------------------------------------------------------ E/M inside a 010 global
    def em_global(self) -> PatternResult:
        procs: dict[tuple[str, str], list[tuple[date, Claim, Row]]] = defaultdict(list)
        ems: list[tuple[Claim, Row]] = []
        for claim in self.claims:
            for r in claim.rows:
                info = self.info(r.code)
                if info is None:
                    continue
                if info.global_days == "010":
                    procs[(claim.patient_id, claim.provider)].append((claim.dos, claim, r))
                elif self.is_visit(r):
                    ems.append((claim, r))
        for dated in procs.values():
            dated.sort(key=lambda t: t[0])
        hits: dict[str, list[ClaimRef]] = defaultdict(list)
        details: dict[str, list[str]] = defaultdict(list)
        for claim, r in ems:
            items = procs.get((claim.patient_id, claim.provider))
            if not items:
                continue
            dates = [d for d, _, _ in items]
            i = bisect.bisect_left(dates, claim.dos) - 1  # latest procedure strictly before the visit
            if i < 0:
                continue
            d, pclaim, prow = items[i]
            days = (claim.dos - d).days
            if 0 < days <= 10:
                hits[claim.provider] += [ref(claim, [r]), ref(pclaim, [prow])]
                details[claim.provider].append(f"{r.claim_line} on day {days} after {prow.code} ({d})")
        ten_day = "/".join(sorted(c for c, i in self.catalog.codes.items() if i.global_days == "010"))
        result = PatternResult(
            id="EM-IN-GLOBAL", title=f"E/M visits inside a 010-day global (after {ten_day})",
            basis=f"{ten_day} carry a 10-day global: related visits in the 10 days after are part of the procedure's "
                  "payment; an unrelated visit needs modifier 24 and documentation.",
            references=self.catalog.cite(["mpfs-global-defs", "cpm-ch12", "pprrvu-memo"]),
            threshold="any E/M by the same provider for the same patient 1-10 days after a 010-global procedure",
        )
        result.checked = len(procs)
        for provider in sorted(hits):
            result.flags.append(_flag(
                f"provider {provider}",
                f"{len(details[provider])} E/M visit(s) inside a 010 global: " + "; ".join(details[provider][:5])
                + (" …" if len(details[provider]) > 5 else "") + ".",
                {"visits": len(details[provider])}, hits[provider], self.opts,
            ))
        result.flagged = bool(result.flags)
        return result

    def all(self) -> list[PatternResult]:
        return [self.mod25(), self.tpi(), self.sessions(), self.levels(), self.us20611(), self.mod59(),
                self.bilateral(), self.addons(), self.em_global()]


def run_patterns(claims: list[Claim], catalog: Catalog, options: AuditOptions | None = None) -> list[PatternResult]:
    return Panel(claims, catalog, options or AuditOptions()).all()
