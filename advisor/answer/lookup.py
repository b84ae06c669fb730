"""Look-up questions answered from the tables: MUE and MAI, the PTP edit between codes, global days, bilateral
indicator, add-on status and primaries, LCD session limits. Definitions and LCD questions are answered from the
guidance passages by the writer; nothing here invents a claim."""

from __future__ import annotations

from itertools import combinations

from advisor.answer.model import LookupFact
from advisor.reader.model import LookupRequest, Reading
from advisor.rules.catalog import Catalog
from advisor.rules.meanings import BILATERAL_MEANING, GLOBAL_MEANING, IMAGING_MEANING, bypass_summary
from advisor.rules.rules_claim import MAI_MEANING
from advisor.rules.rules_lcd import TOPICS


def answer_lookup(reading: Reading, request: LookupRequest, catalog: Catalog) -> list[LookupFact]:
    """The facts the look-up asks for, for each code it names (codes of the procedures named when it names none)."""
    codes = request.codes or _codes_of_frames(reading, catalog)
    facts: list[LookupFact] = []
    for field in request.fields:
        if field == "mai" and not codes:
            facts += _mai_meaning(reading)  # "what does MAI 2 mean?": the indicator itself, no code
        elif field in ("mue", "mai"):
            facts += [f for c in codes for f in _mue(c, catalog)]
        elif field == "ptp":
            facts += _ptp(codes, catalog)
        elif field == "global":
            facts += [f for c in codes if (f := _indicator(c, "global", catalog))]
        elif field == "bilateral":
            facts += [f for c in codes if (f := _indicator(c, "bilateral", catalog))]
        elif field == "addon":
            facts += [f for c in codes if (f := _addon(c, catalog))]
        elif field == "sessions":
            facts += _sessions(reading, catalog)
        elif field == "levels":
            facts += _levels(reading, catalog)
        elif field == "relief":
            facts += _relief(reading, catalog)
        elif field == "imaging":
            facts += [f for c in codes if (f := _imaging(c, catalog))]
        elif field == "size":
            facts += _size(reading, catalog)
        elif field == "payment":
            facts += [_payment(c) for c in codes or ["the code"]]
        elif field == "lcd":
            facts += _lcds(reading, codes, catalog)
    return _unique(facts)


def _codes_of_frames(reading: Reading, catalog: Catalog) -> list[str]:
    """'What's the MUE for a lumbar TFESI?': the primary codes of the procedures named."""
    out = []
    for frame in reading.frames:
        if not frame.family:
            continue
        fam = catalog.family(frame.family)
        region = catalog.registry.code_region(frame.region)
        out += [c.code for c in catalog.family_codes(fam.id) if not c.addon and (c.region == region or not region)][:2]
    return out


def _mue(code: str, catalog: Catalog) -> list[LookupFact]:
    edit = catalog.mue_edit(code)
    if edit is None:
        return [LookupFact(subject=code, field="mue", value="unknown", note=f"{code} is not in this advisor's "
                           "catalog; import the CMS MUE table (advisor data import) to look it up.")]
    source = f"{edit.table} table" + ("" if edit.table != "curated" else " (import the CMS MUE file to confirm)")
    return [
        LookupFact(subject=code, field="mue", value=str(edit.mue), source=source, confidence=edit.confidence,
                   note=f"{edit.mue} unit(s) per {'line' if edit.mai == 1 else 'date of service'}"),
        LookupFact(subject=code, field="mai", value=str(edit.mai), source=source, confidence=edit.confidence,
                   note=MAI_MEANING[edit.mai]),
    ]


def _mai_meaning(reading: Reading) -> list[LookupFact]:
    """The meaning of each MUE adjudication indicator the question names by number."""
    named = [s.value["n"] for s in reading.spans if s.kind == "num" and (s.value or {}).get("n") in MAI_MEANING]
    return [LookupFact(subject=f"MAI {n}", field="mai", value=str(n), note=MAI_MEANING[n],
                       source="CMS NCCI MUE overview (MAI definitions)", confidence="confirmed")
            for n in dict.fromkeys(named)]


def _ptp(codes: list[str], catalog: Catalog) -> list[LookupFact]:
    out = []
    for a, b in combinations(dict.fromkeys(codes), 2):
        pair = catalog.ptp(a, b)
        if pair is None or pair.mi == 9:
            note = ("no edit between them in the " + ("imported CMS PTP table" if catalog.dated else
                                                     "curated pairs; import the CMS PTP file to check every pair"))
            out.append(LookupFact(subject=f"{a}/{b}", field="ptp_mi", value="none", note=note,
                                  source="curated" if not catalog.dated else "CMS PTP"))
            continue
        bypass = bypass_summary(pair)
        out.append(LookupFact(subject=f"{pair.col1}/{pair.col2}", field="ptp_mi", value=str(pair.mi),
                              note=f"{pair.rationale}; {bypass}", source=f"{pair.table} table",
                              confidence=pair.confidence))
        out.append(LookupFact(subject=f"{pair.col1}/{pair.col2}", field="ptp_col1", value=pair.col1,
                              note=f"column 1 is {pair.col1}; {pair.col2} is the code the edit denies",
                              source=f"{pair.table} table", confidence=pair.confidence))
    return out


def _indicator(code: str, field: str, catalog: Catalog) -> LookupFact | None:
    info = catalog.code(code)
    if info is None:
        return None
    prov = info.prov("global" if field == "global" else "bilateral")
    if field == "global":
        return LookupFact(subject=code, field="global", value=info.global_days, note=GLOBAL_MEANING[info.global_days],
                          source=", ".join(prov.sources), confidence=prov.confidence)
    return LookupFact(subject=code, field="bilateral", value=str(info.bilateral),
                      note=BILATERAL_MEANING.get(info.bilateral, ""), source=", ".join(prov.sources),
                      confidence=prov.confidence)


def _addon(code: str, catalog: Catalog) -> LookupFact | None:
    info = catalog.code(code)
    if info is None:
        return None
    prov = info.prov("addon")
    note = (f"reported only with {', '.join(info.primaries) or 'its primary procedure'}; exempt from modifier 51"
            if info.addon else "a primary code")
    return LookupFact(subject=code, field="addon", value="true" if info.addon else "false", note=note,
                      source=", ".join(prov.sources), confidence=prov.confidence)


def _sessions(reading: Reading, catalog: Catalog) -> list[LookupFact]:
    out = []
    for frame in reading.frames:
        if not frame.family:
            continue
        for key in catalog.family(frame.family).session_keys:
            limit = catalog.sessions.get(key)
            if limit is not None:
                out.append(LookupFact(subject=key, field="sessions", value=str(limit.value),
                                      note=f"Medicare LCD limit per rolling 12 months for {key.replace('_', ' ')}"
                                           + (" (per spinal region)" if catalog.family(frame.family).session_group
                                              else ""), source=", ".join(limit.sources), confidence=limit.confidence))
    return out


def _relief(reading: Reading, catalog: Catalog) -> list[LookupFact]:
    """'What % relief does Medicare want from a diagnostic SI block?': the LCD relief thresholds (lcd.yaml `relief`)
    of the family's session kinds, only the diagnostic or therapeutic one when the question says which."""
    out = []
    for frame in reading.frames:
        if not frame.family:
            continue
        kinds = catalog.family(frame.family).session_keys
        for key, param in catalog.relief.items():
            if not any(key == k or key.startswith(k + "_") for k in kinds):
                continue
            if frame.diagnostic is not None and ("therapeutic" if frame.diagnostic else "diagnostic") in key:
                continue
            out.append(LookupFact(subject=key, field="relief", value=f"{param.value}%",
                                  note=param.note or f"minimum prior relief for {key.replace('_', ' ')}",
                                  source=", ".join(param.sources), confidence=param.confidence))
    return out


def _levels(reading: Reading, catalog: Catalog) -> list[LookupFact]:
    out = []
    for frame in reading.frames:
        fam = catalog.family(frame.family) if frame.family else None
        if fam is None or fam.level_limit is None:
            continue
        limit = catalog.param(fam.level_limit)
        out.append(LookupFact(subject=fam.id, field="levels", value=str(limit.value), note=f"Medicare LCD limit on "
                              f"{fam.label} levels per session" + (f" ({limit.note})" if limit.note else ""),
                              source=", ".join(limit.sources), confidence=limit.confidence))
    return out



def _imaging(code: str, catalog: Catalog) -> LookupFact | None:
    info = catalog.code(code)
    if info is None:
        return None
    prov = info.prov("imaging")
    value = "true" if info.imaging in ("included", "included_us") else "false"
    return LookupFact(subject=code, field="imaging_included", value=value, note=IMAGING_MEANING[info.imaging],
                      source=", ".join(prov.sources), confidence=prov.confidence)


def _size(reading: Reading, catalog: Catalog) -> list[LookupFact]:
    joints = catalog.registry.joints()
    named = [s.value for s in reading.spans if s.kind == "anat" and s.value in joints]
    return [LookupFact(subject=name, field="joint_size", value=str(joints[name].size),
                       note="major 20610/20611, intermediate 20605/20606, small 20600/20604",
                       source=", ".join(catalog.registry.sources), confidence=catalog.registry.confidence)
            for name in dict.fromkeys(named)]


def _lcds(reading: Reading, codes: list[str], catalog: Catalog) -> list[LookupFact]:
    """'Which LCD does CGS use for facet injections?': the LCD and billing article of the named contractor for the
    procedures' coverage topic (jurisdictions.yaml); with no contractor named, each LCD with the MACs that use it."""
    families = [f.family for f in reading.frames if f.family] + [
        i.family for c in codes if (i := catalog.code(c)) is not None]
    topics = list(dict.fromkeys(TOPICS[d] for fam in dict.fromkeys(families) for d in catalog.family(fam).docs
                                if d in TOPICS))
    table = catalog.jurisdictions
    macs = reading.facts.get("macs") or ([reading.facts["mac"]] if reading.facts.get("mac") else [])
    out = []
    for topic in topics:
        refs = {j: r for j, r in table.lcds.get(topic, {}).items() if not macs or j in macs}
        by_lcd: dict[tuple[str, str | None], list[str]] = {}
        for j, ref in refs.items():
            by_lcd.setdefault((ref.lcd, ref.article), []).append(j)
        for (lcd, article), where in by_lcd.items():
            ref = refs[where[0]]
            out.append(LookupFact(
                subject=f"{topic} coverage", field="lcd",
                value=f"LCD {lcd}" + (f" / billing article {article}" if article else ""),
                note=table.labels(tuple(where)) + f" <{ref.url}>", source=", ".join(ref.sources),
                confidence=ref.confidence))
    return out


def _payment(code: str) -> LookupFact:
    """Payment amounts are not estimated yet: say so rather than quote a number from memory."""
    return LookupFact(subject=code, field="payment", value="not available",
                      note="This advisor does not estimate payment yet. The allowed amount comes from the MPFS RVU "
                           "file (RVUs x the year's conversion factor, adjusted by the locality's GPCI); check the "
                           "MAC's fee schedule look-up for the locality.", source="CMS MPFS", confidence="confirmed")


def _unique(facts: list[LookupFact]) -> list[LookupFact]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in facts:
        if (f.subject, f.field) not in seen:
            seen.add((f.subject, f.field))
            out.append(f)
    return out


__all__ = ["answer_lookup"]
