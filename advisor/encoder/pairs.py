"""PTP pair and MUE unit look-ups: the same edits and limits the claim checker applies on that date, with what
each means for a coder (bypass or not, per line or per date, appeal or not) and the table they come from."""

from __future__ import annotations

from datetime import date

from advisor.data.readers import NO_DELETION
from advisor.data.tables import ImportedCatalog, PtpEdit
from advisor.encoder.model import CuratedValue, PairEdit, PairLookup, Units
from advisor.encoder.scope import Scope
from advisor.errors import InvalidInput
from advisor.rules.catalog import Catalog, PtpPair
from advisor.rules.meanings import BILATERAL_MEANING, MAI_APPEAL, MAI_SOURCES, PTP_MI_MEANING, PTP_SOURCES, bypass_rules
from advisor.rules.rules_claim import MAI_MEANING


def _day(value: int) -> date | None:
    return None if value >= NO_DELETION else date(value // 10000, value // 100 % 100, value % 100)


def units(code: str, catalog: Catalog, on: date | None = None) -> Units:
    """GET /api/codes/{code}/units: the MUE a check on that date applies, its MAI and what the MAI means."""
    scope = Scope.of(catalog, on, [code])
    return units_in(scope.require(code), scope)


def units_in(code: str, scope: Scope) -> Units:
    """The MUE the claim checker applies to a known code in this scope, and the curated one when it differs."""
    edit = scope.view.mue_edit(code)
    curated = Catalog.mue_edit(scope.view, code)  # the curated row's MUE, whatever the tables say
    notices = []
    if edit is None:
        notices.append(f"No MUE is known for {code}: it is not in the curated catalog"
                       + (" and the imported CMS MUE table has no row for it." if scope.version("mue") else
                          "; import the CMS practitioner MUE table to look it up."))
        return Units(code=code, date=scope.day, notices=notices)
    version = scope.version_of(edit.sources)
    origin = scope.imported(version) if version is not None else scope.curated_origin(edit.sources, edit.confidence)
    side = None
    if curated is not None and version is not None and (curated.mue, curated.mai) != (edit.mue, edit.mai):
        side = CuratedValue(value=f"MUE {curated.mue}, MAI {curated.mai}",
                            origin=scope.curated_origin(curated.sources, curated.confidence))
    if edit.bilateral == 1:
        notices.append(f"Bilateral indicator 1: on a Medicare physician claim both sides are one line {code}-50 "
                       "with 1 unit, which counts once against the MUE.")
    return Units(
        code=code, date=scope.day, mue=edit.mue, mai=edit.mai, per="line" if edit.mai == 1 else "date of service",
        meaning=MAI_MEANING[edit.mai], appeal=MAI_APPEAL[edit.mai], appeal_sources=scope.refs(MAI_SOURCES),
        bilateral=BILATERAL_MEANING.get(edit.bilateral) if edit.bilateral is not None else None,
        origin=origin, curated=side, notices=notices)


def pair_edit(pair: PtpPair, scope: Scope, code: str | None = None, edit: PtpEdit | None = None) -> PairEdit:
    """A PTP edit as shown: imported rows with their dates and version, curated ones with their sources."""
    version = edit.version if edit is not None else scope.version_of(pair.sources)
    origin = scope.imported(version) if version is not None else scope.curated_origin(pair.sources, pair.confidence)
    other = None if code is None else pair.col2 if pair.col1 == code else pair.col1
    shown = PairEdit(col1=pair.col1, col2=pair.col2, other=other, mi=pair.mi, meaning=PTP_MI_MEANING[pair.mi],
                     rationale=pair.rationale, origin=origin,
                     effective=_day(edit.effective) if edit else None, deleted=_day(edit.deleted) if edit else None)
    if version is not None:
        mine = curated_pair(scope, pair.col1, pair.col2)
        if mine is not None and (mine.mi, mine.col1) != (pair.mi, pair.col1):
            shown.curated_mi, shown.curated_col1 = mine.mi, mine.col1
    return shown


def curated_pair(scope: Scope, a: str, b: str) -> PtpPair | None:
    """The curated ptp.yaml pair between two codes, in either order."""
    return scope.view.pairs.get((a, b)) or scope.view.pairs.get((b, a))


def pairs_of(code: str, scope: Scope) -> list[PairEdit]:
    """Every PTP edit with the code in either column on the date: the imported table's rows, then the curated
    pairs the claim checker still applies (those the loaded table does not cover)."""
    out: list[PairEdit] = []
    seen: set[frozenset[str]] = set()
    if scope.tables is not None:
        assert isinstance(scope.view, ImportedCatalog)
        for edit in scope.tables.ptp_of(code, scope.day):
            seen.add(frozenset((edit.col1, edit.col2)))
            out.append(pair_edit(scope.view.pair_of(edit), scope, code, edit))  # the engine's PtpPair for the row
    for (col1, col2) in scope.view.pairs:
        if code in (col1, col2) and frozenset((col1, col2)) not in seen:
            pair = scope.view.ptp(col1, col2)
            if pair is not None and pair.table == "curated":
                out.append(pair_edit(pair, scope, code))
    return out


def pair(a: str, b: str, catalog: Catalog, on: date | None = None) -> PairLookup:
    """GET /api/pairs: the edit between two codes on the date, which is column 1, and what bypasses it."""
    first = Scope.of(catalog, on, [])
    a, b = first.require(a, "a"), first.require(b, "b")
    if a == b:
        raise InvalidInput(f"a and b are both {a}; give two different codes (repeated units of one code are an MUE "
                           "question: GET /api/codes/{code}/units)", "b")
    scope = Scope.of(catalog, on, [a, b])
    found = scope.view.ptp(a, b)
    notices = scope.notices()
    if found is None:
        version = scope.version("ptp")
        covered = version is not None and version.covers(a) and version.covers(b)
        where = (f"the imported {version.table} table" if version is not None and covered else
                 "the curated pairs (import the CMS PTP file to check every pair)")
        return PairLookup(a=a, b=b, date=scope.day, edit=False, notices=notices,
                          message=f"No NCCI PTP edit between {a} and {b} on {scope.day} in {where}.")
    edit = scope.tables.ptp(a, b, scope.day) if scope.tables is not None and found.table != "curated" else None
    shown = pair_edit(found, scope, edit=edit)
    does, does_not = bypass_rules(found)
    message = (f"{found.col1} is column 1 and {found.col2} column 2 ({found.table} table): modifier indicator "
               f"{found.mi}, {PTP_MI_MEANING[found.mi]}.")
    return PairLookup(a=a, b=b, date=scope.day, edit=found.mi != 9, pair=shown, bypass=does, not_bypass=does_not,
                      sources=scope.refs([*found.sources, *PTP_SOURCES]), message=message, notices=notices)


__all__ = ["curated_pair", "pair", "pair_edit", "pairs_of", "units", "units_in"]
